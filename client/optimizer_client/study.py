"""Study and Trial: handles on the server's resources, each holding its last JSON object."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import Client

log = logging.getLogger(__name__)

PAGE_SIZE = 1000
MAX_REASON = 2000  # the server accepts 10,000 characters; a reason is a summary


class Study:
    """A study on the server. `data` is the last Study object received."""

    def __init__(self, client: Client, data: dict[str, Any]) -> None:
        self.client = client
        self.data = data

    @property
    def id(self) -> int:
        """The study's id."""
        return self.data["id"]

    @property
    def name(self) -> str:
        """The study's name."""
        return self.data["name"]

    @property
    def direction(self) -> str:
        """minimize or maximize."""
        return self.data["direction"]

    @property
    def status(self) -> str:
        """running or completed, as last seen (`refresh()` or `suggest()` update it)."""
        return self.data["status"]

    def __repr__(self) -> str:
        return f"Study(id={self.id}, name={self.name!r}, status={self.status!r})"

    def refresh(self) -> Study:
        """Reload the study (status, trial counts, best trial) from the server."""
        self.data = self.client.request("GET", self._path())
        return self

    def suggest(self, worker_id: str | None = None) -> Trial | None:
        """Return the next trial to run, or None when nothing more will be suggested."""
        trials = self.suggest_many(1, worker_id=worker_id)
        return trials[0] if trials else None

    def suggest_many(self, count: int, worker_id: str | None = None) -> list[Trial]:
        """Return up to `count` new trials (empty when nothing more will be suggested).

        A worker that repeats a suggest with the same `worker_id` while its trials are
        still running gets those same trials back.
        """
        body: dict[str, Any] = {"count": count}
        if worker_id is not None:
            body["worker_id"] = worker_id
        answer = self.client.request("POST", self._path("/suggest"), json=body)
        self._note_status(answer)
        return [Trial(self, data) for data in answer["trials"]]

    def observe(self, params: dict[str, Any], value: float) -> Trial:
        """Record a result for params chosen outside the service (an external trial)."""
        return self._observe({"params": params, "value": value})[0]

    def best(self) -> Trial | None:
        """Return the best completed trial, or None before any."""
        data = self.client.request("GET", self._path("/best"))["trial"]
        return Trial(self, data) if data is not None else None

    def trial(self, trial_id: int) -> Trial:
        """Return one trial of this study by id."""
        return Trial(self, self.client.request("GET", self._path(f"/trials/{trial_id}")))

    def trials(self, state: str | Iterable[str] | None = None) -> list[Trial]:
        """Return the study's trials, all or those in the given state(s), paging through."""
        states = [state] if isinstance(state, str) else list(state or [])
        found: list[Trial] = []
        while True:
            params = [("state", s) for s in states]
            params += [("limit", PAGE_SIZE), ("offset", len(found))]
            page = self.client.request("GET", self._path("/trials"), params=params)
            found += [Trial(self, data) for data in page["trials"]]
            if not page["trials"] or len(found) >= page["total"]:
                return found

    def optimize(
        self,
        objective: Callable[[Trial], float | None],
        n_trials: int | None = None,
        n_workers: int = 1,
        **options: Any,
    ) -> list[Trial]:
        """Run `objective(trial)` on suggested trials, `n_workers` at a time.

        See `optimizer_client.optimize.optimize` for the contract and the options
        (`processes`, `timeout`, `show_progress`).
        """
        from .optimize import optimize

        return optimize(self, objective, n_trials, n_workers, **options)

    def _observe(self, body: dict[str, Any]) -> tuple[Trial, bool]:
        """POST an observation; return the updated trial and the should_stop advice."""
        answer = self.client.request("POST", self._path("/observe"), json=body)
        self._note_status(answer)
        return Trial(self, answer["trial"]), bool(answer.get("should_stop", False))

    def _note_status(self, answer: dict[str, Any]) -> None:
        """Keep the study status that suggest and observe answers carry."""
        if "study_status" in answer:
            self.data["status"] = answer["study_status"]
            self.data["status_reason"] = answer.get("status_reason")

    def _path(self, suffix: str = "") -> str:
        return f"/v1/studies/{self.id}{suffix}"


class Trial:
    """One configuration to evaluate. `data` is the last Trial object received.

    Used as a context manager, a trial that is still running when the block raises is
    marked failed with the exception's type and message as reason; the exception
    propagates. A clean exit does nothing: call `complete`, `prune` or `fail` yourself.
    """

    def __init__(self, study: Study, data: dict[str, Any]) -> None:
        self.study = study
        self.data = data

    @property
    def id(self) -> int:
        """The trial's id."""
        return self.data["id"]

    @property
    def number(self) -> int:
        """Its number within the study."""
        return self.data["number"]

    @property
    def params(self) -> dict[str, Any]:
        """The configuration to evaluate."""
        return self.data["params"]

    @property
    def state(self) -> str:
        """running, completed, pruned, ..."""
        return self.data["state"]

    @property
    def value(self) -> float | None:
        """The final value, or None."""
        return self.data.get("value")

    @property
    def info(self) -> dict[str, Any] | None:
        """Why the sampler chose it."""
        return self.data.get("info")

    def __repr__(self) -> str:
        return (
            f"Trial(id={self.id}, number={self.number}, state={self.state!r}, "
            f"params={self.params!r}, value={self.value!r})"
        )

    def report(self, step: int, value: float) -> bool:
        """Record an intermediate value; return True when the trial should stop early."""
        return self._observe({"value": value, "step": step})

    def complete(self, value: float) -> None:
        """Record the final value: the trial is completed."""
        self._observe({"value": value})

    def fail(self, reason: str | None = None) -> None:
        """Mark the trial failed, with an optional reason."""
        body: dict[str, Any] = {"failed": True}
        if reason is not None:
            body["reason"] = reason
        self._observe(body)

    def prune(self, value: float | None = None) -> None:
        """Stop the trial early; its value defaults to the last intermediate value."""
        body: dict[str, Any] = {"pruned": True}
        if value is not None:
            body["value"] = value
        self._observe(body)

    def heartbeat(self) -> None:
        """Renew the trial's lease so a long step does not let it expire."""
        path = f"/v1/studies/{self.data['study_id']}/trials/{self.id}/heartbeat"
        self.data = self.study.client.request("POST", path, json={})["trial"]

    def _observe(self, body: dict[str, Any]) -> bool:
        trial, should_stop = self.study._observe({"trial_id": self.id, **body})
        self.data = trial.data
        return should_stop

    def __enter__(self) -> Trial:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None or self.state not in ("running", "expired"):
            return
        try:
            self.fail(f"{type(exc).__name__}: {exc}"[:MAX_REASON])
        except Exception:  # noqa: BLE001 - the user's exception matters more than ours
            log.exception("could not mark trial %s failed", self.id)
