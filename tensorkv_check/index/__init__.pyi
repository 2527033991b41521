from .algorithms import (
    FactorKeepingTwoCache as FactorKeepingTwoCache,
)
from .algorithms import (
    TruncatingRowCache as TruncatingRowCache,
)
from .bounds import (
    fano_bound as fano_bound,
)
from .bounds import (
    fano_success_ceiling as fano_success_ceiling,
)
from .bounds import (
    reduction_C as reduction_C,
)
from .instances import (
    KEY_FAMILIES as KEY_FAMILIES,
)
from .instances import (
    MODEL_INPUT as MODEL_INPUT,
)
from .instances import (
    MODELS as MODELS,
)
from .instances import (
    IndexInstance as IndexInstance,
)
from .instances import (
    key_coherence as key_coherence,
)
from .instances import (
    key_rows as key_rows,
)
from .instances import (
    make_instance as make_instance,
)
from .reduction import (
    ALGORITHMS as ALGORITHMS,
)
from .reduction import (
    HarnessError as HarnessError,
)
from .reduction import (
    IndexResult as IndexResult,
)
from .reduction import (
    bob_decode as bob_decode,
)
from .reduction import (
    run_index as run_index,
)
from .section import (
    SECTION as SECTION,
)
from .section import (
    IndexSection as IndexSection,
)
from .sweeps import (
    FULL as FULL,
)
from .sweeps import (
    QUICK as QUICK,
)
from .sweeps import (
    caveat_point as caveat_point,
)
from .sweeps import (
    figure_C as figure_C,
)
from .sweeps import (
    figure_caveat as figure_caveat,
)
from .sweeps import (
    figure_dimension as figure_dimension,
)
from .sweeps import (
    figure_memory as figure_memory,
)
from .sweeps import (
    index_point as index_point,
)
from .sweeps import (
    main as main,
)
from .sweeps import (
    run_sweeps as run_sweeps,
)
from .sweeps import (
    sweep_C as sweep_C,
)
from .sweeps import (
    sweep_caveat as sweep_caveat,
)
from .sweeps import (
    sweep_dimension as sweep_dimension,
)
from .sweeps import (
    sweep_memory as sweep_memory,
)
