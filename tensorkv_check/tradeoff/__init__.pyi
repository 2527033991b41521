from .plots import (
    tradeoff_svg as tradeoff_svg,
)
from .section import (
    PROFILES as PROFILES,
)
from .section import (
    SECTION as SECTION,
)
from .section import (
    TradeoffSection as TradeoffSection,
)
from .sweep import (
    DECODERS as DECODERS,
)
from .sweep import (
    TradeoffPoint as TradeoffPoint,
)
from .sweep import (
    measure_tradeoff as measure_tradeoff,
)
from .sweep import (
    tradeoff_sweep as tradeoff_sweep,
)
from .sweep import (
    tradeoff_task as tradeoff_task,
)
