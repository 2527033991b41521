from .clustering import (
    EXACT_CLUSTER_LIMIT as EXACT_CLUSTER_LIMIT,
)
from .clustering import (
    ClusterBracket as ClusterBracket,
)
from .clustering import (
    cluster_bracket as cluster_bracket,
)
from .covering import (
    CoveringBounds as CoveringBounds,
)
from .covering import (
    CoveringEstimate as CoveringEstimate,
)
from .covering import (
    covering_bounds as covering_bounds,
)
from .covering import (
    covering_number_estimate as covering_number_estimate,
)
from .kron_clusters import (
    KronClusterBracket as KronClusterBracket,
)
from .kron_clusters import (
    KronSearchResult as KronSearchResult,
)
from .kron_clusters import (
    kron_cluster_bracket as kron_cluster_bracket,
)
from .kron_clusters import (
    kron_tightness_search as kron_tightness_search,
)
from .lowdim import (
    PACKING_EPS as PACKING_EPS,
)
from .lowdim import (
    ball_memory as ball_memory,
)
from .lowdim import (
    collapse_sweep as collapse_sweep,
)
from .lowdim import (
    fit_exponent as fit_exponent,
)
from .lowdim import (
    loglog_slope as loglog_slope,
)
from .lowdim import (
    packing_index_run as packing_index_run,
)
from .lowdim import (
    packing_keys as packing_keys,
)
from .lowdim import (
    plateau_coverage as plateau_coverage,
)
from .nets import (
    Net as Net,
)
from .nets import (
    greedy_net as greedy_net,
)
from .nets import (
    separated_set as separated_set,
)
from .packing import (
    KISSING_NUMBERS as KISSING_NUMBERS,
)
from .packing import (
    Packing as Packing,
)
from .packing import (
    PackingGrowth as PackingGrowth,
)
from .packing import (
    near_orthogonal_packing as near_orthogonal_packing,
)
from .packing import (
    packing_growth as packing_growth,
)
from .plateau import (
    Plateau as Plateau,
)
from .plateau import (
    cluster_plateau as cluster_plateau,
)
from .plateau import (
    fit_plateau as fit_plateau,
)
from .plots import (
    ball_memory_svg as ball_memory_svg,
)
from .plots import (
    collapse_svg as collapse_svg,
)
from .plots import (
    covering_svg as covering_svg,
)
from .plots import (
    packing_svg as packing_svg,
)
from .plots import (
    plateau_svg as plateau_svg,
)
from .sampling import (
    sample_ball as sample_ball,
)
from .sampling import (
    sample_sphere as sample_sphere,
)
from .section import (
    PROFILES as PROFILES,
)
from .section import (
    SECTION as SECTION,
)
from .section import (
    compute as compute,
)
from .section import (
    figures as figures,
)
from .section import (
    findings as findings,
)
