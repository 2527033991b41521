from .sweep import (
    TradeoffPoint as TradeoffPoint,
    measure_tradeoff as measure_tradeoff,
    tradeoff_task as tradeoff_task,
    tradeoff_sweep as tradeoff_sweep,
    DECODERS as DECODERS,
)
