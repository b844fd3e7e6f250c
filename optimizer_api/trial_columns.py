"""A study's trials as columns: what a sampler reads of a long history, without a Trial
object (and a JSON parse of its params) per row.

The store fills it with one query; a sampler that knows it (the GP) reads the columns
directly, and any other still sees a sequence of trials, each built when it is read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

from .domain import Trial, TrialState


@dataclass(frozen=True)
class TrialColumns(Sequence[Trial]):
    """Trials by number: ids, numbers, states (as stored values, lapsed leases already
    expired), final values, and per parameter name its value in each trial (None where
    the trial has none)."""

    ids: Sequence[int]
    numbers: Sequence[int]
    states: Sequence[str]
    values: Sequence[float | None]
    params: Mapping[str, Sequence[Any]]

    def __len__(self) -> int:
        return len(self.numbers)

    @overload
    def __getitem__(self, i: int) -> Trial: ...
    @overload
    def __getitem__(self, i: slice) -> list[Trial]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        params = {name: col[i] for name, col in self.params.items() if col[i] is not None}
        return Trial(id=self.ids[i], number=self.numbers[i], state=TrialState(self.states[i]),
                     params=params, value=self.values[i])
