from .bitpack import (
    dequantize_rows as dequantize_rows,
)
from .bitpack import (
    pack_codes as pack_codes,
)
from .bitpack import (
    quantize_rows as quantize_rows,
)
from .bitpack import (
    unpack_codes as unpack_codes,
)
from .catalogue import (
    CATALOGUE as CATALOGUE,
)
from .catalogue import (
    COMPRESSOR_KIND_CODES as COMPRESSOR_KIND_CODES,
)
from .catalogue import (
    MODES as MODES,
)
from .catalogue import (
    CatalogueEntry as CatalogueEntry,
)
from .catalogue import (
    make_factory as make_factory,
)
from .catalogue import (
    subgen_factory as subgen_factory,
)
from .eviction import (
    AttentionScoreEviction as AttentionScoreEviction,
)
from .eviction import (
    KeyNormEviction as KeyNormEviction,
)
from .eviction import (
    RandomEviction as RandomEviction,
)
from .eviction import (
    WindowEviction as WindowEviction,
)
from .lowrank import (
    LowRankSVD as LowRankSVD,
)
from .plots import (
    figures as figures,
)
from .plugins import (
    ENTRY_POINT_GROUP as ENTRY_POINT_GROUP,
)
from .plugins import (
    Plugin as Plugin,
)
from .plugins import (
    PluginScan as PluginScan,
)
from .plugins import (
    load_plugins as load_plugins,
)
from .plugins import (
    plugin_entries as plugin_entries,
)
from .plugins import (
    plugin_frontier as plugin_frontier,
)
from .quantization import (
    UniformQuantizer as UniformQuantizer,
)
from .section import (
    SECTION as SECTION,
)
from .section import (
    FrontierSection as FrontierSection,
)
from .sketch import (
    SignSketch as SignSketch,
)
from .sweep import (
    MODEL_MODE as MODEL_MODE,
)
from .sweep import (
    PROFILES as PROFILES,
)
from .sweep import (
    build_tasks as build_tasks,
)
from .sweep import (
    check_eviction as check_eviction,
)
from .sweep import (
    check_feasible as check_feasible,
)
from .sweep import (
    check_lossless as check_lossless,
)
from .sweep import (
    check_subgen_adversarial as check_subgen_adversarial,
)
from .sweep import (
    collect as collect,
)
from .sweep import (
    compute as compute,
)
from .sweep import (
    findings as findings,
)
from .sweep import (
    frontier_point as frontier_point,
)
from .sweep import (
    gaps as gaps,
)
from .sweep import (
    index_task as index_task,
)
from .sweep import (
    main as main,
)
from .sweep import (
    model_dimension as model_dimension,
)
from .sweep import (
    run_checks as run_checks,
)
