from .clustering import (
    EXACT_CLUSTER_LIMIT as EXACT_CLUSTER_LIMIT,
    ClusterBracket as ClusterBracket,
    cluster_bracket as cluster_bracket,
)
from .covering import (
    CoveringBounds as CoveringBounds,
    covering_bounds as covering_bounds,
    CoveringEstimate as CoveringEstimate,
    covering_number_estimate as covering_number_estimate,
)
from .kron_clusters import (
    KronClusterBracket as KronClusterBracket,
    kron_cluster_bracket as kron_cluster_bracket,
    KronSearchResult as KronSearchResult,
    kron_tightness_search as kron_tightness_search,
)
from .lowdim import (
    PACKING_EPS as PACKING_EPS,
    packing_keys as packing_keys,
    packing_index_run as packing_index_run,
    collapse_sweep as collapse_sweep,
    fit_exponent as fit_exponent,
    plateau_coverage as plateau_coverage,
    ball_memory as ball_memory,
    loglog_slope as loglog_slope,
)
from .nets import (
    Net as Net,
    greedy_net as greedy_net,
    separated_set as separated_set,
)
from .packing import (
    KISSING_NUMBERS as KISSING_NUMBERS,
    Packing as Packing,
    near_orthogonal_packing as near_orthogonal_packing,
    PackingGrowth as PackingGrowth,
    packing_growth as packing_growth,
)
from .plateau import (
    Plateau as Plateau,
    cluster_plateau as cluster_plateau,
    fit_plateau as fit_plateau,
)
from .plots import (
    covering_svg as covering_svg,
    plateau_svg as plateau_svg,
    packing_svg as packing_svg,
    collapse_svg as collapse_svg,
    ball_memory_svg as ball_memory_svg,
)
from .sampling import (
    sample_sphere as sample_sphere,
    sample_ball as sample_ball,
)
from .section import (
    PROFILES as PROFILES,
    compute as compute,
    figures as figures,
    findings as findings,
    SECTION as SECTION,
)
