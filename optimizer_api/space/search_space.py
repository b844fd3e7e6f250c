"""The search space: an ordered set of parameters, its configurations and its grid.

In a space with conditional parameters (space.conditions) a configuration holds only
its active parameters: decoding drops the others, encoding marks them NaN, validation
asks for exactly the active ones, and the grid numbers only valid combinations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import InvalidRequest
from .cond_grid import ConditionalGrid
from .conditions import holds, topological_order
from .grid import GridAxis, grid_axis, grid_point, grid_size
from .params import Param
from .parse import parse_space
from .unit import from_unit, to_unit


class Space:
    """An ordered set of parameters; the order is the grid's order."""

    def __init__(self, params: Iterable[Param]):
        self.params: tuple[Param, ...] = tuple(params)
        self.names = tuple(p.name for p in self.params)
        self.conditional = any(p.when for p in self.params)
        # parents before their children: the order in which activity is decided
        self.order = tuple(topological_order(self.params))
        self._grids: dict[int, ConditionalGrid] = {}  # by grid_points; a pure cache

    def __len__(self) -> int:
        return len(self.params)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Space) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(tuple(self.names))

    @classmethod
    def from_dict(cls, raw: Any) -> Space:
        """Parse and validate a space definition; InvalidSpace lists every problem."""
        return cls(parse_space(raw))

    def to_dict(self) -> dict[str, Any]:
        return {p.name: p.to_dict() for p in self.params}

    # -- conditions -----------------------------------------------------------------
    def active(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The configuration without its inactive parameters (parents decided first)."""
        if not self.conditional:
            return dict(config)
        kept: dict[str, Any] = {}
        for i in self.order:
            p = self.params[i]
            if p.name in config and holds(p.when, kept):
                kept[p.name] = config[p.name]
        return {name: kept[name] for name in self.names if name in kept}

    # -- encoding -------------------------------------------------------------------
    def encode(self, params: Mapping[str, Any]) -> np.ndarray:
        """Unit-cube coordinates of a configuration, shape (d,); NaN where inactive."""
        return self.encode_many([params])[0]

    def encode_many(self, configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Unit-cube coordinates of many configurations, shape (n, d): one vectorised
        mapping per parameter. A conditional parameter a configuration lacks is NaN.

        Raises:
            KeyError: a configuration lacks an unconditional parameter.
        """
        U = np.full((len(configs), len(self.params)), np.nan)
        for j, p in enumerate(self.params):
            rows = [i for i, c in enumerate(configs) if p.name in c] if p.when else None
            values = [c[p.name] for c in configs] if rows is None else [
                configs[i][p.name] for i in rows]
            if values:
                U[slice(None) if rows is None else rows, j] = to_unit(p, values)
        return U

    def decode(self, u: np.ndarray) -> dict[str, Any]:
        """The configuration at unit-cube point u (clipped), shape (d,)."""
        return self.decode_many(np.asarray(u, dtype=float)[None, :])[0]

    def decode_many(self, U: np.ndarray) -> list[dict[str, Any]]:
        """The configurations at the rows of U (clipped), shape (n, d): one vectorised
        mapping per parameter, however many rows."""
        columns = [from_unit(p, U[:, j]).tolist() for j, p in enumerate(self.params)]
        configs = [dict(zip(self.names, row, strict=True)) for row in zip(*columns, strict=True)]
        return [self.active(c) for c in configs] if self.conditional else configs

    def validate_params(self, params: Any) -> dict[str, Any]:
        """Canonical params for a user-chosen configuration, or InvalidRequest."""
        if not isinstance(params, Mapping):
            raise InvalidRequest("params must be an object", errors={"params": ["not an object"]})
        errors: dict[str, list[str]] = {}
        out: dict[str, Any] = {}
        for i in self.order:
            p = self.params[i]
            if any(parent in errors for parent, _ in p.when):
                continue  # its activity is unknown: its parent's problem is reported
            if not holds(p.when, out):
                if p.name in params:
                    errors[p.name] = [f"inactive: {_condition_text(p)}, so it must be absent"]
                continue
            if p.name not in params:
                errors[p.name] = ["missing" + (f" (active: {_condition_text(p)})"
                                               if p.when else "")]
                continue
            try:
                out[p.name] = p.validate_value(params[p.name])
            except ValueError as exc:
                errors[p.name] = [str(exc)]
        for name in params:
            if name not in self.names:
                errors[name] = ["not a parameter of the study's space"]
        if errors:
            errors = {n: errors[n] for n in (*self.names, *params) if n in errors}
            detail = "; ".join(f"{n!r}: {m[0]}" for n, m in errors.items())
            raise InvalidRequest(f"params outside the space: {detail}", errors={"params": errors})
        return {name: out[name] for name in self.names if name in out}

    # -- grid -----------------------------------------------------------------------
    def grid_axes(self, grid_points: int) -> list[GridAxis]:
        return [grid_axis(p, grid_points) for p in self.params]

    def grid_size(self, grid_points: int) -> int:
        """How many grid points: valid combinations only in a conditional space."""
        if self.conditional:
            return self._grid(grid_points).size
        return grid_size(self.grid_axes(grid_points))

    def grid_point(self, index: int, grid_points: int) -> dict[str, Any]:
        """The index-th point in row-major order (the last parameter varies fastest);
        in a conditional space, the index-th valid combination (cond_grid)."""
        if self.conditional:
            return self._grid(grid_points).point(index)
        return grid_point(self.names, self.grid_axes(grid_points), index)

    def _grid(self, grid_points: int) -> ConditionalGrid:
        grid = self._grids.get(grid_points)
        if grid is None:
            grid = self._grids[grid_points] = ConditionalGrid(
                self.params, self.grid_axes(grid_points))
        return grid


def _condition_text(p: Param) -> str:
    """What makes p active, as the user wrote it."""
    return " and ".join(f"{parent} in {list(values)!r}" for parent, values in p.when)
