"""What every sampler takes and returns. Samplers never see Flask or the store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..domain import Direction, Trial
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
        state: what this sampler stored last time (e.g. a warm start), or None.
    """

    space: Space
    direction: Direction
    seed: int
    numbers: Sequence[int]
    options: Mapping[str, Any] = field(default_factory=dict)
    trials: Sequence[Trial] = ()
    state: Mapping[str, Any] | None = None

    def rng(self, number: int) -> np.random.Generator:
        """The random stream of one trial: the same seed and number, the same stream."""
        return np.random.default_rng([self.seed & 0xFFFFFFFFFFFFFFFF, number])


@dataclass(frozen=True)
class Suggestion:
    """One configuration, with what the sampler wants the user to know about it."""

    params: dict[str, Any]
    info: dict[str, Any] | None = None


@dataclass(frozen=True)
class Proposal:
    """The suggestions of one call, and state to keep for the next (or None)."""

    suggestions: list[Suggestion]
    state: dict[str, Any] | None = None


class Sampler(Protocol):
    name: str
    needs_history: bool  # whether the service must load the study's trials

    def validate_options(self, options: Mapping[str, Any], space: Space) -> dict[str, Any]:
        """The options with defaults filled in, or ValueError naming the bad option."""
        ...

    def suggest(self, ctx: SamplerContext) -> Proposal: ...
