from .sweep_runner import (
    DaskUnavailableError as DaskUnavailableError,
)
from .sweep_runner import (
    SweepRunner as SweepRunner,
)
from .sweep_runner import (
    Task as Task,
)
from .sweep_runner import (
    TaskResult as TaskResult,
)
from .sweep_runner import (
    code_version as code_version,
)
from .sweep_runner import (
    default_jobs as default_jobs,
)
from .sweep_runner import (
    manifest_differences as manifest_differences,
)
from .sweep_runner import (
    resolve as resolve,
)
from .sweep_runner import (
    run_tasks as run_tasks,
)
from .sweep_runner import (
    task_seed as task_seed,
)
from .sweep_runner import (
    values as values,
)
from .sweep_runner import (
    write_manifest as write_manifest,
)
