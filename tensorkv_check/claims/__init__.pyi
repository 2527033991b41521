from .axioms import (
    AXIOM_SOURCES as AXIOM_SOURCES,
)
from .axioms import (
    H2 as H2,
)
from .axioms import (
    STANDARD_AXIOMS as STANDARD_AXIOMS,
)
from .axioms import (
    Axiom as Axiom,
)
from .axioms import (
    Every as Every,
)
from .axioms import (
    Exp as Exp,
)
from .axioms import (
    Ln as Ln,
)
from .axioms import (
    axiom as axiom,
)
from .exploration import (
    DEFAULT_BUDGET as DEFAULT_BUDGET,
)
from .exploration import (
    EXAMPLES_DIR as EXAMPLES_DIR,
)
from .exploration import (
    KINDS as KINDS,
)
from .exploration import (
    PROFILES as PROFILES,
)
from .exploration import (
    ExploreError as ExploreError,
)
from .exploration import (
    case_bytes as case_bytes,
)
from .exploration import (
    claim_outcomes as claim_outcomes,
)
from .exploration import (
    compute as compute,
)
from .exploration import (
    decode as decode,
)
from .exploration import (
    encode as encode,
)
from .exploration import (
    evaluate as evaluate,
)
from .exploration import (
    explore as explore,
)
from .exploration import (
    figures as figures,
)
from .exploration import (
    findings as findings,
)
from .exploration import (
    load_case as load_case,
)
from .exploration import (
    replay_case as replay_case,
)
from .exploration import (
    run_case as run_case,
)
from .exploration import (
    save_case as save_case,
)
from .exploration import (
    saved_cases as saved_cases,
)
from .exploration import (
    snippet as snippet,
)
from .listing import (
    progress_bar as progress_bar,
)
from .listing import (
    render_json as render_json,
)
from .listing import (
    render_table as render_table,
)
from .listing import (
    run_claims_command as run_claims_command,
)
from .listing import (
    summary_counts as summary_counts,
)
from .loader import (
    ENTRY_POINT_GROUP as ENTRY_POINT_GROUP,
)
from .loader import (
    claim_packages as claim_packages,
)
from .mutants import (
    CATALOGUE as CATALOGUE,
)
from .mutants import (
    Baseline as Baseline,
)
from .mutants import (
    CheckChange as CheckChange,
)
from .mutants import (
    Mutant as Mutant,
)
from .mutants import (
    MutantReport as MutantReport,
)
from .mutants import (
    Patch as Patch,
)
from .mutants import (
    format_mutant_table as format_mutant_table,
)
from .mutants import (
    patched_attribute as patched_attribute,
)
from .mutants import (
    patched_function as patched_function,
)
from .mutants import (
    run_baseline as run_baseline,
)
from .mutants import (
    run_checks as run_checks,
)
from .mutants import (
    run_mutants as run_mutants,
)
from .obligations import (
    BACKENDS as BACKENDS,
)
from .obligations import (
    PROOF_STATUSES as PROOF_STATUSES,
)
from .obligations import (
    Dependency as Dependency,
)
from .obligations import (
    Pointwise as Pointwise,
)
from .obligations import (
    Proof as Proof,
)
from .obligations import (
    ProofResult as ProofResult,
)
from .obligations import (
    Step as Step,
)
from .obligations import (
    StepResult as StepResult,
)
from .obligations import (
    axiom_ledger as axiom_ledger,
)
from .obligations import (
    check_proofs as check_proofs,
)
from .obligations import (
    decide_identity as decide_identity,
)
from .plugin import (
    ClaimCheckFailed as ClaimCheckFailed,
)
from .plugin import (
    ClaimItem as ClaimItem,
)
from .plugin import (
    ClaimModule as ClaimModule,
)
from .plugin import (
    ClaimNode as ClaimNode,
)
from .plugin import (
    ClaimProofItem as ClaimProofItem,
)
from .proof_text import (
    format_proof as format_proof,
)
from .proof_text import (
    proof_json as proof_json,
)
from .registry import (
    REGIONS as REGIONS,
)
from .registry import (
    REGISTRY as REGISTRY,
)
from .registry import (
    ROLES as ROLES,
)
from .registry import (
    SOURCE_TAGS as SOURCE_TAGS,
)
from .registry import (
    Check as Check,
)
from .registry import (
    CheckContext as CheckContext,
)
from .registry import (
    CheckResult as CheckResult,
)
from .registry import (
    Claim as Claim,
)
from .registry import (
    ClaimResult as ClaimResult,
)
from .registry import (
    Explorer as Explorer,
)
from .registry import (
    Registry as Registry,
)
from .registry import (
    RegistryError as RegistryError,
)
from .registry import (
    load_all as load_all,
)
from .registry import (
    run_check_task as run_check_task,
)
from .section import (
    SECTION as SECTION,
)
from .smt import (
    Forall as Forall,
)
from .smt import (
    SmtError as SmtError,
)
from .smt import (
    SmtPrinter as SmtPrinter,
)
from .smt import (
    canonical_sums as canonical_sums,
)
from .smt import (
    normalize_sums as normalize_sums,
)
from .smt import (
    obligation_script as obligation_script,
)
from .smt import (
    run_smtlib2 as run_smtlib2,
)
from .smt import (
    vacuity_script as vacuity_script,
)
from .status import (
    EVIDENCE_AXIS as EVIDENCE_AXIS,
)
from .status import (
    PROOF_AXIS as PROOF_AXIS,
)
from .status import (
    STATUSES as STATUSES,
)
from .status import (
    EvidenceStatus as EvidenceStatus,
)
from .status import (
    ProofStatus as ProofStatus,
)
from .status import (
    Status as Status,
)
from .status import (
    claim_axes as claim_axes,
)
from .status import (
    claim_status as claim_status,
)
from .status import (
    summary_status as summary_status,
)
