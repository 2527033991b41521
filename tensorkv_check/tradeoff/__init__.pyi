from .plots import (
    tradeoff_svg as tradeoff_svg,
)
from .section import (
    PROFILES as PROFILES,
    TradeoffSection as TradeoffSection,
    SECTION as SECTION,
)
from .sweep import (
    TradeoffPoint as TradeoffPoint,
    measure_tradeoff as measure_tradeoff,
    tradeoff_task as tradeoff_task,
    tradeoff_sweep as tradeoff_sweep,
    DECODERS as DECODERS,
)
