"""Identity resolution: deterministic rules plus a Splink model, with stable person ids."""

from ml.identity.accounts import assign_accounts
from ml.identity.config import IdentityConfig, IdentityResult
from ml.identity.evaluate import bcubed_scores, pairwise_scores
from ml.identity.offline import OfflineResult, reconcile_offline
from ml.identity.privacy import apply_consent, apply_erasure
from ml.identity.resolve import resolve_people

__all__ = [
    "IdentityConfig",
    "IdentityResult",
    "OfflineResult",
    "apply_consent",
    "apply_erasure",
    "assign_accounts",
    "bcubed_scores",
    "pairwise_scores",
    "reconcile_offline",
    "resolve_people",
]
