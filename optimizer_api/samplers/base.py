"""What every sampler takes and returns. Samplers never see Flask or the store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..domain import Constraint, Direction, Objective, Trial
from ..space import Space


@dataclass(frozen=True)
class SamplerContext:
    """Everything a sampler may use to choose the next configurations.

    Attributes:
        space: the study's search space.
        direction: minimize or maximize.
        seed: the study's seed (the user's, or one drawn at creation).
        numbers: the trial numbers the new trials will get; one suggestion each.
        options: the algorithm's options from the study definition.
        trials: the study's trials, all states (empty unless `needs_history`).
            A sampler with `reads_columns` gets them as TrialColumns (any sampler may
            read those as a sequence of trials).
        state: what this sampler stored last time (e.g. a warm start), or None.
        cursor: for samplers with a finite sequence (`size` not None), the index of the
            first point never handed out.
        requeued: for those samplers, the points handed back for another attempt (their
            every attempt failed or expired, retries left), lowest first.
        objectives: a multi-objective study's objectives in declared order (each trial's
            `values` follow it); empty for a single-objective study (use `direction`).
        constraints: the study's constraints; each trial's `constraint_values` follow
            this order.
        prior_trials: completed trials of earlier studies this one warm-starts from, with
            params restricted to this space's overlapping parameters. They inform a model
            but are not this study's trials. `value` is the parent's first objective, in
            this study's direction; for a study of several objectives or with
            constraints, `values` and `constraint_values` follow this study's objectives
            and constraints by name (NaN where the parent has none of that name).
    """

    space: Space
    direction: Direction
    seed: int
    numbers: Sequence[int]
    options: Mapping[str, Any] = field(default_factory=dict)
    trials: Sequence[Trial] = ()
    state: Mapping[str, Any] | None = None
    cursor: int = 0
    requeued: Sequence[int] = ()
    objectives: Sequence[Objective] = ()
    constraints: Sequence[Constraint] = ()
    prior_trials: Sequence[Trial] = ()

    def rng(self, number: int) -> np.random.Generator:
        """The random stream of one trial: the same seed and number, the same stream."""
        return np.random.default_rng([self.seed & 0xFFFFFFFFFFFFFFFF, number])


@dataclass(frozen=True)
class Suggestion:
    """One configuration, with what the sampler wants the user to know about it."""

    params: dict[str, Any]
    info: dict[str, Any] | None = None
    index: int | None = None  # its place in a finite sequence, so a lost point comes back


@dataclass(frozen=True)
class Proposal:
    """The suggestions of one call, state to keep for the next (or None), and for finite
    samplers the new cursor."""

    suggestions: list[Suggestion]
    state: dict[str, Any] | None = None
    cursor: int | None = None


class Sampler(Protocol):
    name: str
    needs_history: bool  # whether the service must load the study's trials
    # Optional: reads_columns = True to get the history as TrialColumns (long histories
    # load without a Trial object per row).

    def validate_options(self, options: Mapping[str, Any], space: Space) -> dict[str, Any]:
        """The options with defaults filled in, or ValueError naming the bad option."""
        ...

    def suggest(self, ctx: SamplerContext) -> Proposal:
        """At most one suggestion per number in ctx.numbers (fewer when a finite sequence
        runs out)."""
        ...

    def size(self, space: Space, options: Mapping[str, Any]) -> int | None:
        """How many points the sampler has in all, or None when it never runs out."""
        ...

    def max_retries(self, options: Mapping[str, Any]) -> int:
        """How many more attempts a lost point of a finite sequence gets (0: none)."""
        ...

    def max_count(self, space: Space) -> int | None:
        """The most suggestions one call may ask for in this space (None: no bound)."""
        ...


class Unbounded:
    """Mixin of samplers that never run out: no cursor, nothing handed back."""

    def size(self, space: Space, options: Mapping[str, Any]) -> None:
        return None

    def max_retries(self, options: Mapping[str, Any]) -> int:
        return 0

    def max_count(self, space: Space) -> int | None:
        return None
