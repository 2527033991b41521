from .algorithms import (
    FactorKeepingTwoCache as FactorKeepingTwoCache,
    TruncatingRowCache as TruncatingRowCache,
)
from .bounds import (
    reduction_C as reduction_C,
    fano_bound as fano_bound,
    fano_success_ceiling as fano_success_ceiling,
)
from .instances import (
    MODELS as MODELS,
    MODEL_INPUT as MODEL_INPUT,
    KEY_FAMILIES as KEY_FAMILIES,
    IndexInstance as IndexInstance,
    make_instance as make_instance,
    key_rows as key_rows,
    key_coherence as key_coherence,
)
from .reduction import (
    ALGORITHMS as ALGORITHMS,
    HarnessError as HarnessError,
    IndexResult as IndexResult,
    bob_decode as bob_decode,
    run_index as run_index,
)
from .section import (
    IndexSection as IndexSection,
    SECTION as SECTION,
)
from .sweeps import (
    QUICK as QUICK,
    FULL as FULL,
    sweep_dimension as sweep_dimension,
    sweep_C as sweep_C,
    sweep_memory as sweep_memory,
    sweep_caveat as sweep_caveat,
    index_point as index_point,
    caveat_point as caveat_point,
    run_sweeps as run_sweeps,
    figure_dimension as figure_dimension,
    figure_C as figure_C,
    figure_memory as figure_memory,
    figure_caveat as figure_caveat,
    main as main,
)
