from .data import (
    GROWTHS as GROWTHS,
)
from .data import (
    ClusteredStream as ClusteredStream,
)
from .data import (
    ClusteredTensorStream as ClusteredTensorStream,
)
from .data import (
    cluster_count as cluster_count,
)
from .data import (
    clustered_stream as clustered_stream,
)
from .data import (
    clustered_tensor_stream as clustered_tensor_stream,
)
from .data import (
    kron_op_norm as kron_op_norm,
)
from .data import (
    product_rows as product_rows,
)
from .data import (
    queries as queries,
)
from .data import (
    stable_rank as stable_rank,
)
from .error_trials import (
    MODELS as MODELS,
)
from .error_trials import (
    BoundSetting as BoundSetting,
)
from .error_trials import (
    ErrorBoundCheck as ErrorBoundCheck,
)
from .error_trials import (
    build_compressor as build_compressor,
)
from .error_trials import (
    default_settings as default_settings,
)
from .error_trials import (
    error_bound_rate as error_bound_rate,
)
from .error_trials import (
    setting_parameters as setting_parameters,
)
from .error_trials import (
    trial_instance as trial_instance,
)
from .kron_diameters import (
    kron_cluster_diameters as kron_cluster_diameters,
)
from .kron_diameters import (
    kron_tightness_instance as kron_tightness_instance,
)
from .memory_scaling import (
    MEMORY_MODELS as MEMORY_MODELS,
)
from .memory_scaling import (
    error_memory_data as error_memory_data,
)
from .memory_scaling import (
    memory_scaling as memory_scaling,
)
from .memory_scaling import (
    memory_vs_n_data as memory_vs_n_data,
)
from .parameters import (
    SubGen4Parameters as SubGen4Parameters,
)
from .parameters import (
    SubGenParameters as SubGenParameters,
)
from .parameters import (
    bernstein_sample_size as bernstein_sample_size,
)
from .parameters import (
    subgen4_parameters as subgen4_parameters,
)
from .parameters import (
    subgen_parameters as subgen_parameters,
)
from .plots import (
    error_memory_svg as error_memory_svg,
)
from .plots import (
    memory_vs_n_svg as memory_vs_n_svg,
)
from .sampler import (
    online_cluster_labels as online_cluster_labels,
)
from .section import (
    SECTION as SECTION,
)
from .section import (
    SECTION_PROFILES as SECTION_PROFILES,
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
from .standard import (
    SubGen as SubGen,
)
from .state import (
    SUBGEN_KIND_CODES as SUBGEN_KIND_CODES,
)
from .tensor_variants import (
    SubGen2Cache as SubGen2Cache,
)
from .tensor_variants import (
    SubGen4Cache as SubGen4Cache,
)
