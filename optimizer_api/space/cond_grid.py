"""The grid of a conditional space: only valid combinations, numbered without gaps.

Parameters are taken parents first, each child right after its last parent
(space.conditions.topological_order); an inactive one contributes nothing, an active
one each of its grid values. The number of combinations below a position depends only
on the values already chosen for the parents that later parameters name, so it is
counted once per such prefix (memoized; taking children right after their parents
keeps the prefixes short) and point i is found by walking down: the grid's numbering
is a bijection from 0 .. size-1 onto the valid combinations, the first parameter in
that order varying slowest.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from .conditions import topological_order
from .grid import GridAxis
from .params import Param

# The parents' choices made so far that later parameters still depend on, as
# (name, index of the choice) pairs in order.
Prefix = tuple[tuple[str, int], ...]


class ConditionalGrid:
    """Size and index -> point of the grid of a space with conditional parameters."""

    def __init__(self, params: Sequence[Param], axes: Sequence[GridAxis]):
        order = topological_order(params)
        self.params = [params[i] for i in order]
        self.axes = [axes[i] for i in order]
        self.names = [p.name for p in params]
        # allowed choice indices of each condition, and which names are parents
        self.when = [
            tuple((parent, frozenset(_indices(params, parent, values)))
                  for parent, values in p.when)
            for p in self.params
        ]
        self.parents = {parent for w in self.when for parent, _ in w}
        n = len(self.params)
        self.needed_from = [  # the parents named at positions >= k
            {parent for w in self.when[k:] for parent, _ in w} for k in range(n + 1)
        ]
        self._count = lru_cache(maxsize=None)(self._count_uncached)

    @property
    def size(self) -> int:
        return self._count(0, ())

    def point(self, index: int) -> dict[str, Any]:
        """The index-th valid combination, parameters in the space's order."""
        if not 0 <= index < self.size:
            raise IndexError(index)
        prefix: Prefix = ()
        out: dict[str, Any] = {}
        for k, (p, axis) in enumerate(zip(self.params, self.axes, strict=True)):
            if not self._active(k, prefix):
                prefix = self._trim(k + 1, prefix)
                continue
            if p.name in self.parents:
                for v in range(axis.size):
                    below = self._count(k + 1, self._trim(k + 1, (*prefix, (p.name, v))))
                    if index < below:
                        break
                    index -= below
                prefix = self._trim(k + 1, (*prefix, (p.name, v)))
            else:
                v, index = divmod(index, self._count(k + 1, self._trim(k + 1, prefix)))
                prefix = self._trim(k + 1, prefix)
            out[p.name] = axis.value(v)
        return {name: out[name] for name in self.names if name in out}

    def _count_uncached(self, k: int, prefix: Prefix) -> int:
        """How many valid completions of the parameters from position k on."""
        if k == len(self.params):
            return 1
        if not self._active(k, prefix):
            return self._count(k + 1, self._trim(k + 1, prefix))
        p, size = self.params[k], self.axes[k].size
        if p.name in self.parents:
            return sum(
                self._count(k + 1, self._trim(k + 1, (*prefix, (p.name, v))))
                for v in range(size)
            )
        return size * self._count(k + 1, self._trim(k + 1, prefix))

    def _active(self, k: int, prefix: Prefix) -> bool:
        chosen = dict(prefix)
        return all(chosen.get(parent, -1) in allowed for parent, allowed in self.when[k])

    def _trim(self, k: int, prefix: Prefix) -> Prefix:
        """Only the choices that positions k and later still depend on."""
        needed = self.needed_from[k]
        return tuple(item for item in prefix if item[0] in needed)


def _indices(params: Sequence[Param], parent: str, values: Sequence[Any]) -> list[int]:
    q = next(p for p in params if p.name == parent)
    return [q.index_of(v) for v in values]
