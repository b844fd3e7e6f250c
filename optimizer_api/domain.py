"""Plain data of the domain: studies, trials and their states, owners and roles. No I/O."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Direction(enum.StrEnum):
    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"

    def better(self, a: float, b: float) -> bool:
        """True when value `a` is strictly better than `b`."""
        return a < b if self is Direction.MINIMIZE else a > b


class TrialState(enum.StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    PRUNED = "pruned"
    FAILED = "failed"
    EXPIRED = "expired"
    QUEUED = "queued"  # params the user asked to try first; suggest hands it out
    CANCELLED = "cancelled"  # a queued trial withdrawn before it ran

    @property
    def finished(self) -> bool:
        return self not in (TrialState.RUNNING, TrialState.QUEUED)


class Role(enum.StrEnum):
    """What a token may do: read (GET only), write (its owner's studies), admin (all)."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


# Who owns what was made without a token: in open mode, and before owners existed.
DEFAULT_OWNER = "default"


@dataclass(frozen=True)
class Owner:
    """Whom a use case acts for: what it creates is `name`'s, and it sees `name`'s studies
    only, or every owner's when `every_owner` (an admin token, or the service open)."""

    name: str
    every_owner: bool = False

    def sees(self, study_owner: str) -> bool:
        return self.every_owner or study_owner == self.name


# States that count toward max_trials: the trial has, or is producing, a result.
COUNTED_STATES = (TrialState.RUNNING, TrialState.COMPLETED, TrialState.PRUNED)
# States whose value may be the study's best.
VALUED_STATES = (TrialState.COMPLETED,)


# The name of the one objective of a study that declares none (its `value`).
DEFAULT_OBJECTIVE = "value"


@dataclass(frozen=True)
class Objective:
    """One value a study optimizes. A single-objective study has one, named "value"."""

    name: str
    direction: Direction


class ConstraintOp(enum.StrEnum):
    AT_MOST = "<="
    AT_LEAST = ">="


@dataclass(frozen=True)
class Constraint:
    """A metric every trial reports that must satisfy `op bound` for the trial to be
    feasible (e.g. memory_gb <= 16)."""

    name: str
    op: ConstraintOp
    bound: float

    def holds(self, x: float) -> bool:
        return x <= self.bound if self.op is ConstraintOp.AT_MOST else x >= self.bound

    def violation(self, x: float) -> float:
        """How far x lies on the wrong side of the bound (0 when it holds)."""
        return max(0.0, x - self.bound if self.op is ConstraintOp.AT_MOST else self.bound - x)


@dataclass(frozen=True)
class Trial:
    """One trial: what samplers and rules see, and what the API shows."""

    id: int
    number: int
    state: TrialState
    params: dict[str, Any]
    value: float | None = None
    intermediate: dict[int, float] = field(default_factory=dict)
    grid_index: int | None = None
    study_id: int | None = None
    reason: str | None = None
    worker_id: str | None = None
    external: bool = False
    info: dict[str, Any] | None = None
    created_at: float | None = None
    finished_at: float | None = None
    lease_expires_at: float | None = None
    user_attrs: dict[str, Any] | None = None
    # Multi-objective studies: one value per objective, in the study's declared order
    # (`value` is then the first). None where the study has a single objective.
    values: tuple[float, ...] | None = None
    # One reported value per declared constraint, in the study's order (None: no
    # constraints, or no final result yet).
    constraint_values: tuple[float, ...] | None = None
    # Multi-objective studies: intermediate values about objectives after the first, by
    # the objective's index in the declared order (`intermediate` is the first's curve).
    objective_curves: dict[int, dict[int, float]] = field(default_factory=dict)

    def feasible(self, constraints: tuple[Constraint, ...] | list[Constraint]) -> bool:
        """True when every constraint holds (always, for a study without constraints)."""
        if not constraints:
            return True
        if self.constraint_values is None:
            return False
        return all(c.holds(x) for c, x in zip(constraints, self.constraint_values, strict=False))

    @property
    def last_intermediate(self) -> float | None:
        return self.intermediate[max(self.intermediate)] if self.intermediate else None

    def curve(self, objective: int) -> dict[int, float]:
        """The intermediate values about the objective of this index (0: the first)."""
        return self.intermediate if objective == 0 else self.objective_curves.get(objective, {})

    @property
    def curves(self) -> dict[int, dict[int, float]]:
        """Every objective's intermediate values that has some, by objective index."""
        first = {0: self.intermediate} if self.intermediate else {}
        return {**first, **{k: c for k, c in sorted(self.objective_curves.items()) if c}}

    @property
    def points(self) -> int:
        """How many intermediate values the trial has, about every objective."""
        return len(self.intermediate) + sum(map(len, self.objective_curves.values()))


@dataclass(frozen=True)
class Study:
    """A stored study: its definition as the user gave it (canonical) and its counters."""

    id: int
    name: str
    definition: dict[str, Any]
    seed: int
    next_number: int
    grid_cursor: int
    sampler_state: dict[str, Any] | None
    created_at: float
    owner: str
    description: str | None = None
    metadata: dict[str, Any] | None = None

    @property
    def direction(self) -> Direction:
        return Direction(self.definition["direction"])

    @property
    def algorithm(self) -> dict[str, Any]:
        return self.definition["algorithm"]

    @property
    def lease_seconds(self) -> float:
        return self.definition["lease_seconds"]

    @property
    def objectives(self) -> tuple[Objective, ...]:
        """The declared objectives; a study that declared none has one, named "value"."""
        declared = self.definition.get("objectives")
        if not declared:
            return (Objective(DEFAULT_OBJECTIVE, self.direction),)
        return tuple(Objective(o["name"], Direction(o["direction"])) for o in declared)

    @property
    def constraints(self) -> tuple[Constraint, ...]:
        return tuple(Constraint(c["name"], ConstraintOp(c["op"]), float(c["bound"]))
                     for c in self.definition.get("constraints") or ())

    @property
    def multi_objective(self) -> bool:
        return len(self.definition.get("objectives") or ()) > 1

    def objective_index(self, name: str | None) -> int | None:
        """The index of the objective called `name` (None: the first, 0); None when the
        study has no objective of that name."""
        if name is None:
            return 0
        names = [o.name for o in self.objectives]
        return names.index(name) if name in names else None

    @property
    def judged_objective(self) -> int:
        """The index of the objective whose curve the early-stopping rule judges: the one
        its `objective` names, or the first."""
        spec = self.definition.get("early_stopping") or {}
        return self.objective_index(spec.get("objective")) or 0


@dataclass(frozen=True)
class StudyView:
    """A study with what is derived from its trials: counts, status and best trial."""

    study: Study
    counts: dict[str, int]
    status: str  # "running" or "completed"
    status_reason: str | None
    best: Trial | None
    last_activity_at: float | None = None  # the latest trial created or finished
