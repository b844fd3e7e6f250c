"""The search space: an ordered set of parameters, its configurations and its grid."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import InvalidRequest
from .grid import GridAxis, grid_axis, grid_point, grid_size
from .params import Param
from .parse import parse_space
from .unit import from_unit, to_unit, unit_of


class Space:
    """An ordered set of parameters; the order is the grid's order."""

    def __init__(self, params: Iterable[Param]):
        self.params: tuple[Param, ...] = tuple(params)
        self.names = tuple(p.name for p in self.params)

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

    # -- encoding -------------------------------------------------------------------
    def encode(self, params: Mapping[str, Any]) -> np.ndarray:
        """Unit-cube coordinates of a configuration, shape (d,)."""
        return np.array([unit_of(p, params[p.name]) for p in self.params], dtype=float)

    def encode_many(self, configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Unit-cube coordinates of many configurations, shape (n, d): one vectorised
        mapping per parameter."""
        U = np.empty((len(configs), len(self.params)))
        for j, p in enumerate(self.params):
            U[:, j] = to_unit(p, [c[p.name] for c in configs]) if configs else []
        return U

    def decode(self, u: np.ndarray) -> dict[str, Any]:
        """The configuration at unit-cube point u (clipped), shape (d,)."""
        return self.decode_many(np.asarray(u, dtype=float)[None, :])[0]

    def decode_many(self, U: np.ndarray) -> list[dict[str, Any]]:
        """The configurations at the rows of U (clipped), shape (n, d): one vectorised
        mapping per parameter, however many rows."""
        columns = [from_unit(p, U[:, j]).tolist() for j, p in enumerate(self.params)]
        return [dict(zip(self.names, row, strict=True)) for row in zip(*columns, strict=True)]

    def validate_params(self, params: Any) -> dict[str, Any]:
        """Canonical params for a user-chosen configuration, or InvalidRequest."""
        if not isinstance(params, Mapping):
            raise InvalidRequest("params must be an object", errors={"params": ["not an object"]})
        errors: dict[str, list[str]] = {}
        out: dict[str, Any] = {}
        for p in self.params:
            if p.name not in params:
                errors[p.name] = ["missing"]
                continue
            try:
                out[p.name] = p.validate_value(params[p.name])
            except ValueError as exc:
                errors[p.name] = [str(exc)]
        for name in params:
            if name not in self.names:
                errors[name] = ["not a parameter of the study's space"]
        if errors:
            detail = "; ".join(f"{n!r}: {m[0]}" for n, m in errors.items())
            raise InvalidRequest(f"params outside the space: {detail}", errors={"params": errors})
        return out

    # -- grid -----------------------------------------------------------------------
    def grid_axes(self, grid_points: int) -> list[GridAxis]:
        return [grid_axis(p, grid_points) for p in self.params]

    def grid_size(self, grid_points: int) -> int:
        return grid_size(self.grid_axes(grid_points))

    def grid_point(self, index: int, grid_points: int) -> dict[str, Any]:
        """The index-th point in row-major order (the last parameter varies fastest)."""
        return grid_point(self.names, self.grid_axes(grid_points), index)
