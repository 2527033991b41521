from .data import (
    GROWTHS as GROWTHS,
    cluster_count as cluster_count,
    ClusteredStream as ClusteredStream,
    ClusteredTensorStream as ClusteredTensorStream,
    clustered_stream as clustered_stream,
    clustered_tensor_stream as clustered_tensor_stream,
    product_rows as product_rows,
    queries as queries,
    stable_rank as stable_rank,
    kron_op_norm as kron_op_norm,
)
from .error_trials import (
    MODELS as MODELS,
    BoundSetting as BoundSetting,
    ErrorBoundCheck as ErrorBoundCheck,
    default_settings as default_settings,
    setting_parameters as setting_parameters,
    build_compressor as build_compressor,
    trial_instance as trial_instance,
    error_bound_rate as error_bound_rate,
)
from .kron_diameters import (
    kron_cluster_diameters as kron_cluster_diameters,
    kron_tightness_instance as kron_tightness_instance,
)
from .memory_scaling import (
    MEMORY_MODELS as MEMORY_MODELS,
    memory_scaling as memory_scaling,
    error_memory_data as error_memory_data,
    memory_vs_n_data as memory_vs_n_data,
)
from .parameters import (
    SubGenParameters as SubGenParameters,
    SubGen4Parameters as SubGen4Parameters,
    subgen_parameters as subgen_parameters,
    subgen4_parameters as subgen4_parameters,
    bernstein_sample_size as bernstein_sample_size,
)
from .plots import (
    error_memory_svg as error_memory_svg,
    memory_vs_n_svg as memory_vs_n_svg,
)
from .sampler import (
    online_cluster_labels as online_cluster_labels,
)
from .section import (
    SECTION_PROFILES as SECTION_PROFILES,
    compute as compute,
    figures as figures,
    findings as findings,
    SECTION as SECTION,
)
from .standard import (
    SubGen as SubGen,
)
from .state import (
    SUBGEN_KIND_CODES as SUBGEN_KIND_CODES,
)
from .tensor_variants import (
    SubGen2Cache as SubGen2Cache,
    SubGen4Cache as SubGen4Cache,
)
