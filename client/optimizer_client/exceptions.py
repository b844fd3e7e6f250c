"""The client's exceptions: one hierarchy, each error carrying the server's problem body."""

from __future__ import annotations

from typing import Any

import requests


class OptimizerError(Exception):
    """Base of every error the client raises.

    Attributes:
        status: the HTTP status, or None when no response arrived (connection failure).
        problem: the parsed `application/problem+json` body, or None.
        response: the `requests.Response`, or None.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        problem: dict[str, Any] | None = None,
        response: requests.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.problem = problem
        self.response = response

    @property
    def errors(self) -> Any:
        """The field-by-field messages of a validation problem, or None."""
        return (self.problem or {}).get("errors")


class BadRequestError(OptimizerError):
    """The server rejected the request's content (400, 413, 415, 422)."""


class AuthenticationError(OptimizerError):
    """The service wants a valid token (401): pass `token=` or set OPTIMIZER_TOKEN."""


class PermissionDeniedError(OptimizerError):
    """The token's role may not do this (403), e.g. a read token that writes."""


class QuotaExceededError(OptimizerError):
    """One of the owner's quotas is reached (429); `problem["quota"]` names it."""


class NotFoundError(OptimizerError):
    """The study or trial does not exist (404)."""


class ConflictError(OptimizerError):
    """The request conflicts with the stored state (409)."""


class UnavailableError(OptimizerError):
    """The service stayed unreachable or busy (503, connection failures) after the retries."""


_BY_STATUS: dict[int, type[OptimizerError]] = {
    400: BadRequestError,
    413: BadRequestError,
    415: BadRequestError,
    422: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: QuotaExceededError,
    409: ConflictError,
    502: UnavailableError,
    503: UnavailableError,
    504: UnavailableError,
}


def parse_problem(response: requests.Response) -> dict[str, Any] | None:
    """Return the response's JSON object body, or None when it has none."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def error_from_response(response: requests.Response) -> OptimizerError:
    """Build the exception that matches an error response (status >= 400)."""
    problem = parse_problem(response)
    title = (problem or {}).get("title") or response.reason or "HTTP error"
    detail = (problem or {}).get("detail")
    message = f"{response.status_code} {title}"
    if detail:
        message += f": {detail}"
    if problem and problem.get("errors"):
        message += f" {problem['errors']}"
    cls = _BY_STATUS.get(response.status_code, OptimizerError)
    return cls(message, status=response.status_code, problem=problem, response=response)
