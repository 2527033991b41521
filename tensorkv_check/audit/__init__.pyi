from .adapters import (
    AdapterBase as AdapterBase,
)
from .adapters import (
    codec as codec,
)
from .adapters import (
    eviction as eviction,
)
from .adapters import (
    tensor_codec as tensor_codec,
)
from .command import (
    add_parser as add_parser,
)
from .command import (
    list_lines as list_lines,
)
from .command import (
    main as main,
)
from .command import (
    run as run,
)
from .oracle import (
    ALPHA as ALPHA,
)
from .oracle import (
    GAP_P as GAP_P,
)
from .oracle import (
    PROFILES as PROFILES,
)
from .oracle import (
    REFERENCE as REFERENCE,
)
from .oracle import (
    SCHEMA as SCHEMA,
)
from .oracle import (
    benign_point as benign_point,
)
from .oracle import (
    index_point as index_point,
)
from .oracle import (
    instance_seed as instance_seed,
)
from .oracle import (
    m_over_n_at as m_over_n_at,
)
from .oracle import (
    model_size as model_size,
)
from .oracle import (
    protocol_point as protocol_point,
)
from .oracle import (
    replay_command as replay_command,
)
from .oracle import (
    run_audit as run_audit,
)
from .oracle import (
    verdict as verdict,
)
from .report import (
    FORMATS as FORMATS,
)
from .report import (
    audit_figures as audit_figures,
)
from .report import (
    render_html as render_html,
)
from .report import (
    render_json as render_json,
)
from .report import (
    render_markdown as render_markdown,
)
from .report import (
    summary_lines as summary_lines,
)
from .report import (
    write_audit as write_audit,
)
from .target import (
    BUILTIN_GRIDS as BUILTIN_GRIDS,
)
from .target import (
    AuditUsageError as AuditUsageError,
)
from .target import (
    Target as Target,
)
from .target import (
    check_protocol as check_protocol,
)
from .target import (
    load_target as load_target,
)
from .target import (
    models_for as models_for,
)
from .target import (
    param_grid as param_grid,
)
from .target import (
    parse_param as parse_param,
)
from .target import (
    target_from_factory as target_from_factory,
)
from .testing import (
    check_compressor as check_compressor,
)
