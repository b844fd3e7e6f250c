"""Trial: one configuration of a study to evaluate, holding its last JSON object."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .outcome import Result, finite, result_body

if TYPE_CHECKING:  # for annotations only: study.py imports this module
    from .study import Study

log = logging.getLogger(__name__)

MAX_REASON = 2000  # the server accepts 10,000 characters; a reason is a summary


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
    def values(self) -> dict[str, float] | None:
        """Each objective's final value by name (studies that declare objectives)."""
        return self.data.get("values")

    @property
    def constraints(self) -> dict[str, float] | None:
        """Each constraint's reported value by name (studies with constraints)."""
        return self.data.get("constraints")

    @property
    def feasible(self) -> bool | None:
        """Whether every constraint holds (None: no constraints, or no result yet)."""
        return self.data.get("feasible")

    @property
    def info(self) -> dict[str, Any] | None:
        """Why the sampler chose it."""
        return self.data.get("info")

    def curve(self, objective: str | None = None) -> dict[int, float]:
        """The intermediate values as last seen, step -> value, about `objective` (None:
        the study's first objective)."""
        first = self.study.objectives[0]["name"]
        wanted = objective or first
        return {p["step"]: p["value"] for p in self.data.get("intermediate_values") or []
                if p.get("objective", first) == wanted}

    def __repr__(self) -> str:
        return (
            f"Trial(id={self.id}, number={self.number}, state={self.state!r}, "
            f"params={self.params!r}, value={self.value!r})"
        )

    @property
    def user_attrs(self) -> dict[str, Any]:
        """The user's own JSON for this trial, as last seen."""
        return self.data.get("user_attrs") or {}

    # Each report may carry `user_attrs`: merged into the trial's (a key set to None is
    # removed), at most 16 KiB in all.
    def report(self, step: int, value: float, objective: str | None = None,
               user_attrs: dict | None = None) -> bool:
        """Record an intermediate value; return True when the trial should stop early.

        `objective` names the objective the value is about (None: the study's first).
        The early-stopping rule judges one objective (its `objective`, default the
        first): a report about another is kept, and always answers False.
        """
        body: dict[str, Any] = {"value": finite(value), "step": step}
        if objective is not None:
            body["objective"] = objective
        return self._observe(body, user_attrs)

    def complete(self, value: Result, constraints: Mapping[str, float] | None = None,
                 user_attrs: dict | None = None) -> None:
        """Record the final result: the trial is completed.

        `value` is a number, a dict of every objective's (and constraint's) value by name,
        or a tuple of the objectives' values in the study's declared order; `constraints`
        the constraints' values by name if `value` does not hold them.
        """
        self._observe(result_body(self.study.data, value, constraints), user_attrs)

    def fail(self, reason: str | None = None, user_attrs: dict | None = None) -> None:
        """Mark the trial failed, with an optional reason."""
        body: dict[str, Any] = {"failed": True}
        if reason is not None:
            body["reason"] = reason
        self._observe(body, user_attrs)

    def prune(self, value: float | None = None, user_attrs: dict | None = None) -> None:
        """Stop the trial early; its value defaults to the last intermediate value."""
        body: dict[str, Any] = {"pruned": True}
        if value is not None:
            body["value"] = finite(value)
        self._observe(body, user_attrs)

    def heartbeat(self) -> None:
        """Renew the trial's lease so a long step does not let it expire."""
        path = f"/v1/studies/{self.data['study_id']}/trials/{self.id}/heartbeat"
        self.data = self.study.client.request("POST", path, json={})["trial"]

    def cancel(self) -> None:
        """Withdraw a queued trial before it is handed out (ConflictError once it was)."""
        path = f"/v1/studies/{self.data['study_id']}/trials/{self.id}"
        self.data = self.study.client.request("DELETE", path)["trial"]

    def _observe(self, body: dict[str, Any], user_attrs: dict | None = None) -> bool:
        """POST an observation of this trial; whether it should stop."""
        if user_attrs is not None:
            body["user_attrs"] = user_attrs
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
