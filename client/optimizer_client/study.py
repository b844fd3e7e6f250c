"""Study: a handle on a study of the server, holding its last JSON object."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from .optimize import optimize
from .outcome import Result, finite, result_body
from .trial import Trial

if TYPE_CHECKING:  # for annotations only: client.py imports this module
    from .client import Client

PAGE_SIZE = 1000


class Pareto(NamedTuple):
    """A study's Pareto front: its trials by number, the hypervolume they dominate up to
    `reference_point` (None without trials), and the service's answer as it came."""

    trials: list[Trial]
    hypervolume: float | None
    reference_point: list[float] | None
    data: dict[str, Any]


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
    def objectives(self) -> list[dict[str, str]]:
        """The objectives [{name, direction}] in declared order (one named "value" for a
        study created with `direction`)."""
        return self.data.get("objectives") or [{"name": "value", "direction": self.direction}]

    @property
    def constraints(self) -> list[dict[str, Any]]:
        """The constraints [{name, op, bound}]."""
        return self.data.get("constraints") or []

    @property
    def status(self) -> str:
        """running or completed, as last seen (`refresh()` or `suggest()` update it)."""
        return self.data["status"]

    def __repr__(self) -> str:
        return f"Study(id={self.id}, name={self.name!r}, status={self.status!r})"

    @property
    def description(self) -> str | None:
        """The study's description, as last seen."""
        return self.data.get("description")

    @property
    def metadata(self) -> dict[str, Any]:
        """The study's free-form metadata, as last seen."""
        return self.data.get("metadata") or {}

    def update(self, **changes: Any) -> Study:
        """Change the study: `name`, `description`, `metadata` (replaced whole), and its
        completion criteria (`max_trials`, `max_failed_trials`, `target_value`,
        `no_improvement_trials`, `max_duration_seconds`, `lease_seconds`). What defines
        the search (space, algorithm, direction, ...) cannot change (BadRequestError)."""
        self.data = self.client.request("PATCH", self._path(), json=changes)
        return self

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

    def observe(
        self, params: dict[str, Any], value: Result, constraints: Mapping[str, float] | None = None
    ) -> Trial:
        """Record a result for params chosen outside the service (an external trial);
        `value` as `Trial.complete` takes it."""
        return self._observe({"params": params, **result_body(self.data, value, constraints)})[0]

    def enqueue(
        self, params: dict[str, Any] | list[dict[str, Any]],
        user_attrs: dict[str, Any] | None = None,
    ) -> list[Trial]:
        """Queue configurations that suggest hands out first, in this order, each once.

        `params` is one configuration or a list of them; a parameter left out is drawn
        at random when the trial is handed out. Returns the queued trials (state
        `queued`); `Trial.cancel()` withdraws one before it is handed out.
        """
        body: dict[str, Any] = {"params": params}
        if user_attrs is not None:
            body["user_attrs"] = user_attrs
        answer = self.client.request("POST", self._path("/trials"), json=body)
        return [Trial(self, data) for data in answer["trials"]]

    def changes(
        self, since: str = "0", wait: float = 0.0, limit: int = 100
    ) -> tuple[list[Trial], str]:
        """The trials changed after cursor `since` ("0": every trial), as they are now,
        and the cursor to pass next time; pages through what is waiting. With `wait`
        (at most 30 s), waits that long for a first change when there is none."""
        found: list[Trial] = []
        params: dict[str, Any] = {"since": since, "limit": limit, "wait": wait}
        while True:
            page = self.client.request("GET", self._path("/changes"), params=params)
            found += [Trial(self, data) for data in page["trials"]]
            params = {"since": page["cursor"], "limit": limit}
            if not page["more"]:
                return found, page["cursor"]

    def export(self) -> dict[str, Any]:
        """The whole study as one JSON document (definition, trials, curves, metadata),
        for `Client.import_study` on this server or another."""
        return self.client.request("GET", self._path("/export"))

    def best(self) -> Trial | None:
        """Return the best completed trial whose constraints hold, or None before any
        (a study of several objectives has none: ConflictError; see `pareto`)."""
        data = self.client.request("GET", self._path("/best"))["trial"]
        return Trial(self, data) if data is not None else None

    def pareto(self, ref: Sequence[float] | None = None) -> Pareto:
        """The completed feasible trials no other one dominates, and their hypervolume up
        to `ref` (one number per objective in declared order; default: the service's,
        from the observed ranges)."""
        params = {"ref": ",".join(repr(finite(x, "ref")) for x in ref)} if ref else None
        data = self.client.request("GET", self._path("/pareto"), params=params)
        return Pareto([Trial(self, t) for t in data["trials"]], data["hypervolume"],
                      data["reference_point"], data)

    def trial(self, trial_id: int) -> Trial:
        """Return one trial of this study by id."""
        return Trial(self, self.client.request("GET", self._path(f"/trials/{trial_id}")))

    def trials(self, state: str | Iterable[str] | None = None) -> list[Trial]:
        """Return the study's trials, all or those in the given state(s), paging through."""
        states = [state] if isinstance(state, str) else list(state or [])
        found: list[Trial] = []
        where: list[tuple[str, Any]] = []
        while True:  # by number from the last trial seen: each once, however many are added
            params = [("state", s) for s in states] + [("limit", PAGE_SIZE), *where]
            page = self.client.request("GET", self._path("/trials"), params=params)
            found += [Trial(self, data) for data in page["trials"]]
            if page["next_after"] is None:
                return found
            where = [("after", page["next_after"])]

    def optimize(
        self,
        objective: Callable[[Trial], Any],
        n_trials: int | None = None,
        n_workers: int = 1,
        **options: Any,
    ) -> list[Trial]:
        """Run `objective(trial)` on suggested trials, `n_workers` at a time. It returns
        a number, a dict by objective and constraint name, or a tuple in objective order.

        See `optimizer_client.optimize.optimize` for the contract and the options
        (`processes`, `timeout`, `show_progress`).
        """
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
