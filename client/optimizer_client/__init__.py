"""Python client of the optimizer-api hyperparameter-tuning service (needs only requests)."""

from .client import Client
from .exceptions import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    OptimizerError,
    PermissionDeniedError,
    QuotaExceededError,
    UnavailableError,
)
from .optimize import TrialPruned
from .study import Study
from .trial import Trial

__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "NotFoundError",
    "OptimizerError",
    "PermissionDeniedError",
    "QuotaExceededError",
    "Study",
    "Trial",
    "TrialPruned",
    "UnavailableError",
]
