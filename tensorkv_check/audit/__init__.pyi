from .adapters import (
    AdapterBase as AdapterBase,
    eviction as eviction,
    codec as codec,
    tensor_codec as tensor_codec,
)
from .command import (
    add_parser as add_parser,
    run as run,
    main as main,
    list_lines as list_lines,
)
from .oracle import (
    ALPHA as ALPHA,
    GAP_P as GAP_P,
    PROFILES as PROFILES,
    REFERENCE as REFERENCE,
    SCHEMA as SCHEMA,
    model_size as model_size,
    instance_seed as instance_seed,
    index_point as index_point,
    protocol_point as protocol_point,
    benign_point as benign_point,
    run_audit as run_audit,
    verdict as verdict,
    m_over_n_at as m_over_n_at,
    replay_command as replay_command,
)
from .report import (
    FORMATS as FORMATS,
    audit_figures as audit_figures,
    render_json as render_json,
    render_markdown as render_markdown,
    render_html as render_html,
    write_audit as write_audit,
    summary_lines as summary_lines,
)
from .target import (
    AuditUsageError as AuditUsageError,
    Target as Target,
    BUILTIN_GRIDS as BUILTIN_GRIDS,
    load_target as load_target,
    target_from_factory as target_from_factory,
    parse_param as parse_param,
    param_grid as param_grid,
    check_protocol as check_protocol,
    models_for as models_for,
)
from .testing import (
    check_compressor as check_compressor,
)
