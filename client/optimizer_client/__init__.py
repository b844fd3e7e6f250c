"""Python client of the optimizer-api hyperparameter-tuning service (needs only requests)."""

from .client import Client
from .exceptions import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    OptimizerError,
    UnavailableError,
)
from .optimize import TrialPruned
from .study import Study
from .trial import Trial

__version__ = "0.1.0"

__all__ = [
    "BadRequestError",
    "Client",
    "ConflictError",
    "NotFoundError",
    "OptimizerError",
    "Study",
    "Trial",
    "TrialPruned",
    "UnavailableError",
]
