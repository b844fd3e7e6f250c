"""Domain errors. Each maps to one HTTP status in api/errors.py; none imports Flask."""

from __future__ import annotations


class OptimizerError(Exception):
    """Base of every error the service raises on purpose."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, errors: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class InvalidRequest(OptimizerError):
    """The request is well-formed JSON but its content is not acceptable."""

    status = 422
    title = "Invalid request"


class InvalidSpace(InvalidRequest):
    """A search-space definition is inconsistent."""

    title = "Invalid search space"


class NotFound(OptimizerError):
    status = 404
    title = "Not found"


class Conflict(OptimizerError):
    status = 409
    title = "Conflict"


class AlreadyExists(Conflict):
    """The store already holds a record of that name (e.g. a concurrent create won)."""

    title = "Already exists"


class KeyInFlight(Conflict):
    """A request with the same Idempotency-Key is still being processed."""

    title = "Idempotency key in flight"


class StoreUnavailable(OptimizerError):
    """The store is busy or out of reach: the client should retry later."""

    status = 503
    title = "Store unavailable"

    def __init__(self, detail: str, *, retry_after: int = 1):
        super().__init__(detail)
        self.retry_after = retry_after


class QuotaExceeded(OptimizerError):
    """The owner is at one of its quotas (service/quotas.py); `quota` names it."""

    status = 429
    title = "Quota exceeded"

    def __init__(self, detail: str, *, quota: str, limit: int):
        super().__init__(detail)
        self.quota = quota
        self.limit = limit
        self.extra = {"quota": quota, "limit": limit}
