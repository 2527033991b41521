from .sweep_runner import (
    code_version as code_version,
    manifest_differences as manifest_differences,
    write_manifest as write_manifest,
    Task as Task,
    TaskResult as TaskResult,
    SweepRunner as SweepRunner,
    DaskUnavailableError as DaskUnavailableError,
    task_seed as task_seed,
    resolve as resolve,
    run_tasks as run_tasks,
    values as values,
    default_jobs as default_jobs,
)
