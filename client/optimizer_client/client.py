"""The Client: a session to one optimizer-api service, with retries and typed errors.

A sketch of the loop a training job runs::

    with Client("http://127.0.0.1:8000") as client:
        space = {"lr": {"type": "float", "low": 1e-4, "high": 1.0, "log": True}}
        study = client.create_study("mlp", space)
        while (trial := study.suggest()) is not None:
            with trial:                              # an exception marks the trial failed
                for epoch in range(10):
                    if trial.report(epoch, evaluate(trial.params)):
                        trial.prune()
                        break
                else:
                    trial.complete(evaluate(trial.params))
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .exceptions import BadRequestError, ConflictError, UnavailableError, error_from_response
from .study import Study

# A 409 that says the first request with the same Idempotency-Key is still being served:
# our own earlier attempt (one that timed out, say), which we wait for rather than report.


def _retry_policy(retries: int, backoff: float) -> Retry:
    """Retry connection failures, read failures and 502/503/504 with exponential backoff.

    Every method is retried: GET and DELETE are safe, and each POST carries an
    Idempotency-Key that the server uses to answer a repeated attempt with the first
    attempt's response.
    """
    return Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        redirect=0,
        allowed_methods=None,
        status_forcelist=(502, 503, 504),
        backoff_factor=backoff,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


DEFAULT_URL = "http://127.0.0.1:8000"


class Client:
    """A connection to one optimizer-api service; owns a `requests.Session`.

    Args:
        url: the service's base address; None reads OPTIMIZER_URL, else DEFAULT_URL.
        timeout: seconds to wait for each HTTP attempt (connect and read).
        retries: how many times a failed attempt (connection error, 502/503/504) is retried.
        backoff: the exponential backoff factor in seconds (sleeps 0, 2b, 4b, 8b, ...);
            a 503's Retry-After header takes precedence.
        token: the API token sent as `Authorization: Bearer <token>`; default the
            OPTIMIZER_TOKEN environment variable, else none (a service running open).
    """

    def __init__(
        self,
        url: str | None = None,
        timeout: float = 10.0,
        retries: int = 5,
        backoff: float = 0.5,
        token: str | None = None,
    ) -> None:
        self.url = (url or os.environ.get("OPTIMIZER_URL") or DEFAULT_URL).rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=_retry_policy(retries, backoff), pool_maxsize=32)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["Accept"] = "application/json, application/problem+json"
        self.token = token if token is not None else os.environ.get("OPTIMIZER_TOKEN") or None
        if self.token:
            self.session.headers["Authorization"] = f"Bearer {self.token}"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying session and its pooled connections."""
        self.session.close()

    def __repr__(self) -> str:
        return f"Client({self.url!r})"

    def __reduce__(self) -> tuple[type[Client], tuple[str, float, int, float, str | None]]:
        """Pickled (for a worker process), a Client is its settings: a copy has its own session."""
        return type(self), (self.url, self.timeout, self.retries, self.backoff, self.token)

    # --- studies -------------------------------------------------------------

    def create_study(
        self,
        name: str,
        space: dict[str, Any],
        *,
        direction: str | None = None,
        objectives: list[dict[str, str]] | None = None,
        constraints: list[dict[str, Any]] | None = None,
        algorithm: str | dict[str, Any] = "random",
        max_trials: int | None = None,
        max_failed_trials: int | None = None,
        seed: int | None = None,
        lease_seconds: float | None = None,
        early_stopping: dict[str, Any] | None = None,
        target_value: float | None = None,
        no_improvement_trials: int | None = None,
        max_duration_seconds: float | None = None,
        initial_trials: list[dict[str, Any]] | None = None,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        warm_start: dict[str, Any] | None = None,
    ) -> Study:
        """Create a study, or load the existing one with the same name and definition.

        Every worker of a distributed job may call this at start: they all get the same
        study. A study of the same name with another definition raises `ConflictError`.
        `target_value`, `no_improvement_trials` and `max_duration_seconds` end the study
        early (see the service's README). `direction` (minimize by default) or
        `objectives`, [{"name", "direction"}] 1 to 4; `constraints`, [{"name", "op": "<="
        or ">=", "bound"}] over metrics each final result reports. `initial_trials` are
        configurations queued at creation, handed out first (see `Study.enqueue`).
        `description` and `metadata` are notes, not part of the definition
        (`Study.update` changes them). `warm_start={"studies": [id or name, ...]}` lets a
        Bayesian study learn from up to 5 earlier studies' completed trials.
        """
        if isinstance(algorithm, str):
            algorithm = {"name": algorithm}
        body: dict[str, Any] = {
            "name": name,
            "space": space,
            "algorithm": algorithm,
        }
        optional = {
            "direction": direction,
            "objectives": objectives,
            "constraints": constraints,
            "max_trials": max_trials,
            "max_failed_trials": max_failed_trials,
            "seed": seed,
            "lease_seconds": lease_seconds,
            "early_stopping": early_stopping,
            "target_value": target_value,
            "no_improvement_trials": no_improvement_trials,
            "max_duration_seconds": max_duration_seconds,
            "initial_trials": initial_trials,
            "description": description,
            "metadata": metadata,
            "warm_start": warm_start,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        return Study(self, self.request("POST", "/v1/studies", json=body))

    def get_study(self, study_id: int) -> Study:
        """Return the study with this id; raises `NotFoundError`."""
        return Study(self, self.request("GET", f"/v1/studies/{study_id}"))

    def find_study(self, name: str) -> Study | None:
        """Return the study with this name, or None."""
        body = self.request("GET", "/v1/studies", params={"name": name})
        studies = [s for s in body["studies"] if s["name"] == name]
        return Study(self, studies[0]) if studies else None

    def list_studies(self) -> list[Study]:
        """Return every study, paging through them."""
        found: list[Study] = []
        offset: int | None = 0
        while offset is not None:
            body = self.request("GET", "/v1/studies", params={"offset": offset})
            found += [Study(self, data) for data in body["studies"]]
            offset = body.get("next_offset")  # absent from servers that did not page
        return found

    def import_study(self, document: dict[str, Any], name: str | None = None) -> Study:
        """Create a study from a document `Study.export()` made (on any server), under
        `name` if given; a name the owner already has raises `ConflictError`."""
        params = {"name": name} if name else None
        return Study(self, self.request("POST", "/v1/studies/import", json=document,
                                        params=params))

    def delete_study(self, study_id: int) -> None:
        """Delete a study and its trials."""
        self.request("DELETE", f"/v1/studies/{study_id}")

    # --- transport -----------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Send one logical request, retried as the policy says; return the decoded body.

        A POST gets a fresh Idempotency-Key (unless one is given) that all its retries
        reuse, so the server applies it at most once.

        Raises:
            OptimizerError: a subclass matching the error status, with the problem body.
            UnavailableError: the service stayed unreachable or busy after the retries.
        """
        headers = {}
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        attempt = 0
        while True:
            try:
                response = self._send(method, path, json=json, params=params, headers=headers)
            except _CutOff as cut:  # the server died while answering: ask again, same key
                if attempt >= self.retries:
                    raise UnavailableError(f"answers from {self.url} kept being cut off: "
                                           f"{cut.__cause__}") from cut.__cause__
                time.sleep(self.backoff * 2**attempt)
                attempt += 1
                continue
            if response.status_code < 400:
                return response.json() if response.content else None
            error = error_from_response(response)
            in_flight = isinstance(error, ConflictError) and _is_in_flight(error.problem)
            if not in_flight or attempt >= self.retries:
                raise error
            # Our own earlier attempt (e.g. one that timed out) is still being served.
            time.sleep(self.backoff * 2**attempt)
            attempt += 1

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One call through the retrying adapter; connection failures become UnavailableError."""
        try:
            return self.session.request(method, self.url + path, timeout=self.timeout, **kwargs)
        except requests.exceptions.InvalidJSONError as exc:  # NaN or infinity: JSON has neither
            raise BadRequestError(f"the request body is not valid JSON: {exc}") from exc
        except requests.exceptions.ChunkedEncodingError as exc:  # headers came, then no body
            raise _CutOff() from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise UnavailableError(
                f"cannot reach {self.url} after {self.retries} retries: {exc}"
            ) from exc


class _CutOff(Exception):
    """An answer broke off after its headers (its worker was killed, say): urllib3 does not
    retry those, the client does."""


def _is_in_flight(problem: dict[str, Any] | None) -> bool:
    """Whether a 409 says a request with the same Idempotency-Key is still in flight."""
    if not problem:
        return False
    return str(problem.get("type", "")).endswith("idempotency-key-in-flight")
