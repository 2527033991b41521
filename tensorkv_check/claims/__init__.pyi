from .axioms import (
    AXIOM_SOURCES as AXIOM_SOURCES,
    Exp as Exp,
    Ln as Ln,
    H2 as H2,
    Every as Every,
    Axiom as Axiom,
    STANDARD_AXIOMS as STANDARD_AXIOMS,
    axiom as axiom,
)
from .exploration import (
    PROFILES as PROFILES,
    DEFAULT_BUDGET as DEFAULT_BUDGET,
    EXAMPLES_DIR as EXAMPLES_DIR,
    KINDS as KINDS,
    ExploreError as ExploreError,
    encode as encode,
    decode as decode,
    case_bytes as case_bytes,
    evaluate as evaluate,
    explore as explore,
    run_case as run_case,
    snippet as snippet,
    save_case as save_case,
    load_case as load_case,
    replay_case as replay_case,
    saved_cases as saved_cases,
    compute as compute,
    figures as figures,
    findings as findings,
    claim_outcomes as claim_outcomes,
)
from .listing import (
    run_claims_command as run_claims_command,
    render_table as render_table,
    render_json as render_json,
    progress_bar as progress_bar,
)
from .loader import (
    ENTRY_POINT_GROUP as ENTRY_POINT_GROUP,
    claim_packages as claim_packages,
)
from .mutants import (
    Mutant as Mutant,
    MutantReport as MutantReport,
    CheckChange as CheckChange,
    CATALOGUE as CATALOGUE,
    patched_function as patched_function,
    patched_attribute as patched_attribute,
    Patch as Patch,
    Baseline as Baseline,
    run_checks as run_checks,
    run_baseline as run_baseline,
    run_mutants as run_mutants,
    format_mutant_table as format_mutant_table,
)
from .obligations import (
    BACKENDS as BACKENDS,
    PROOF_STATUSES as PROOF_STATUSES,
    Step as Step,
    Pointwise as Pointwise,
    Dependency as Dependency,
    Proof as Proof,
    StepResult as StepResult,
    ProofResult as ProofResult,
    axiom_ledger as axiom_ledger,
    check_proofs as check_proofs,
    decide_identity as decide_identity,
)
from .plugin import (
    ClaimModule as ClaimModule,
    ClaimNode as ClaimNode,
    ClaimItem as ClaimItem,
    ClaimCheckFailed as ClaimCheckFailed,
)
from .proof_text import (
    format_proof as format_proof,
    proof_json as proof_json,
)
from .registry import (
    STATUSES as STATUSES,
    SOURCE_TAGS as SOURCE_TAGS,
    CheckContext as CheckContext,
    CheckResult as CheckResult,
    Check as Check,
    Claim as Claim,
    ClaimResult as ClaimResult,
    Registry as Registry,
    RegistryError as RegistryError,
    REGISTRY as REGISTRY,
    REGIONS as REGIONS,
    Explorer as Explorer,
    claim_status as claim_status,
    load_all as load_all,
    run_check_task as run_check_task,
)
from .section import (
    SECTION as SECTION,
)
from .smt import (
    SmtError as SmtError,
    Forall as Forall,
    SmtPrinter as SmtPrinter,
    canonical_sums as canonical_sums,
    normalize_sums as normalize_sums,
    obligation_script as obligation_script,
    vacuity_script as vacuity_script,
    run_smtlib2 as run_smtlib2,
)
