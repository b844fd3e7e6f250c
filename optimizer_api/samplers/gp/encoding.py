"""The GP's view of a search space: rows of floats, rounded to valid configurations.

A numeric parameter is one column in [0, 1] on its own scale (space.unit). A discrete
numeric one (int, or float with step) always sits at the centre of one of its values'
cells, so two points that decode to the same configuration have the same encoding and
the acquisition never scores the same configuration twice under two names. A categorical
parameter is one column holding its category index; the kernel compares it for equality.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.stats import qmc

from ...space import CategoricalParam, Space
from ...space.unit import index_to_unit, to_unit, unit_to_index, value_of

# Discrete parameters with more values than this are also moved by the gradient step.
RELAX_ABOVE = 32


class Encoding:
    """Encode, round, decode and enumerate the configurations of a space."""

    def __init__(self, space: Space):
        self.space = space
        self.params = space.params
        self.d = len(space)
        self.cat = np.array([isinstance(p, CategoricalParam) for p in self.params])
        self.n_values = np.array([p.n_values or 0 for p in self.params])  # 0: continuous
        self.discrete = self.n_values > 0
        self.relaxed = ~self.cat & ((self.n_values == 0) | (self.n_values > RELAX_ABOVE))

    # -- rows ----------------------------------------------------------------------
    def encode(self, params: Mapping[str, Any]) -> np.ndarray:
        """One configuration as a row, shape (d,)."""
        return self.encode_many([params])[0]

    def encode_many(self, configs: list[Mapping[str, Any]]) -> np.ndarray:
        """Many configurations as rows, shape (len(configs), d), a column at a time.

        Raises KeyError, ValueError or TypeError if any configuration does not fit.
        """
        return self.encode_columns([[cfg[p.name] for cfg in configs] for p in self.params])

    def encode_columns(self, columns: list[Any]) -> np.ndarray:
        """Rows from one sequence of values per parameter (in the space's order).

        Raises ValueError or TypeError if any value does not fit.
        """
        X = np.empty((len(columns[0]) if columns else 0, self.d))
        for j, (p, c, values) in enumerate(zip(self.params, self.cat, columns, strict=True)):
            X[:, j] = p.indices_of(values) if c else to_unit(p, values)
        return X

    def decode(self, row: np.ndarray) -> dict[str, Any]:
        """The configuration of a row (any row: values are clipped and rounded)."""
        out = {}
        for p, c, x in zip(self.params, self.cat, row, strict=True):
            out[p.name] = (
                p.value_at(int(np.clip(round(x), 0, p.n_values - 1))) if c else value_of(p, x)
            )
        return out

    def key(self, row: np.ndarray) -> bytes:
        """Equal for rows that are the same configuration (after rounding)."""
        return self.keys(row[None, :])[0]

    def keys(self, X: np.ndarray) -> list[bytes]:
        """key() of every row, in one pass."""
        return [r.tobytes() for r in np.round(self.round(X), 10) + 0.0]  # + 0.0: no -0.0

    # -- discrete columns --------------------------------------------------------------
    def to_index(self, j: int, u: np.ndarray) -> np.ndarray:
        """The value index of discrete column j at unit positions u."""
        if self.cat[j]:
            return np.clip(np.rint(u), 0, self.n_values[j] - 1).astype(int)
        return unit_to_index(self.params[j], u)

    def from_index(self, j: int, k: np.ndarray) -> np.ndarray:
        """The unit position of value index k of discrete column j."""
        if self.cat[j]:
            return k.astype(float)
        return index_to_unit(self.params[j], k)

    def round(self, X: np.ndarray) -> np.ndarray:
        """Every row moved to the encoding of the configuration it decodes to."""
        X = np.clip(X, 0.0, None)
        X[:, ~self.cat] = np.minimum(X[:, ~self.cat], 1.0)
        for j in np.flatnonzero(self.discrete):
            X[:, j] = self.from_index(j, self.to_index(j, X[:, j]))
        return X

    # -- sets of rows ------------------------------------------------------------------
    def sobol(self, m: int, rng: np.random.Generator) -> np.ndarray:
        """m scrambled-Sobol configurations (m a power of 2 keeps the balance)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            U = qmc.Sobol(self.d, scramble=True, rng=rng).random(m)
        return self.from_unit_cube(U)

    def from_unit_cube(self, U: np.ndarray) -> np.ndarray:
        """Rows from points of [0, 1]^d (categories take equal shares of [0, 1])."""
        X = U.copy()
        for j in np.flatnonzero(self.cat):
            X[:, j] = unit_to_index(self.params[j], U[:, j])
        return self.round(X)

    def size(self) -> int | None:
        """How many configurations the space holds, or None if it has a continuous part."""
        if not self.discrete.all():
            return None
        return math.prod(int(n) for n in self.n_values)

    def enumerate(self) -> np.ndarray:
        """Every configuration of an all-discrete space, shape (size, d)."""
        axes = [self.from_index(j, np.arange(self.n_values[j])) for j in range(self.d)]
        grids = np.meshgrid(*axes, indexing="ij")
        return np.stack([g.ravel() for g in grids], axis=1)
