from .bitpack import (
    quantize_rows as quantize_rows,
    dequantize_rows as dequantize_rows,
    pack_codes as pack_codes,
    unpack_codes as unpack_codes,
)
from .catalogue import (
    COMPRESSOR_KIND_CODES as COMPRESSOR_KIND_CODES,
    MODES as MODES,
    CatalogueEntry as CatalogueEntry,
    CATALOGUE as CATALOGUE,
    make_factory as make_factory,
    subgen_factory as subgen_factory,
)
from .eviction import (
    RandomEviction as RandomEviction,
    KeyNormEviction as KeyNormEviction,
    WindowEviction as WindowEviction,
    AttentionScoreEviction as AttentionScoreEviction,
)
from .lowrank import (
    LowRankSVD as LowRankSVD,
)
from .plots import (
    figures as figures,
)
from .plugins import (
    ENTRY_POINT_GROUP as ENTRY_POINT_GROUP,
    Plugin as Plugin,
    PluginScan as PluginScan,
    load_plugins as load_plugins,
    plugin_entries as plugin_entries,
    plugin_frontier as plugin_frontier,
)
from .quantization import (
    UniformQuantizer as UniformQuantizer,
)
from .section import (
    FrontierSection as FrontierSection,
    SECTION as SECTION,
)
from .sketch import (
    SignSketch as SignSketch,
)
from .sweep import (
    PROFILES as PROFILES,
    MODEL_MODE as MODEL_MODE,
    frontier_point as frontier_point,
    build_tasks as build_tasks,
    index_task as index_task,
    collect as collect,
    model_dimension as model_dimension,
    compute as compute,
    findings as findings,
    gaps as gaps,
    check_feasible as check_feasible,
    check_lossless as check_lossless,
    check_eviction as check_eviction,
    check_subgen_adversarial as check_subgen_adversarial,
    run_checks as run_checks,
    main as main,
)
