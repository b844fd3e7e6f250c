"""Random search: uniform on each parameter's scale, or scrambled Sobol."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.stats import qmc

from ..space import Space
from .base import Proposal, SamplerContext, Suggestion, Unbounded


def check_options(options: Mapping[str, Any], allowed: set[str], name: str) -> None:
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(f"unknown option(s) {unknown} for algorithm {name!r}")


class _PerTrialSampler(Unbounded):
    """Samplers whose trial n depends only on (seed, n): no history, any interleaving."""

    name: str
    needs_history = False

    def validate_options(self, options: Mapping[str, Any], space: Space) -> dict[str, Any]:
        check_options(options, set(), self.name)
        return {}

    def suggest(self, ctx: SamplerContext) -> Proposal:
        d = len(ctx.space)
        if not ctx.numbers:
            return Proposal([])
        U = np.stack([self.unit_point(ctx, d, n) for n in ctx.numbers])
        return Proposal([Suggestion(params) for params in ctx.space.decode_many(U)])

    def unit_point(self, ctx: SamplerContext, d: int, number: int) -> np.ndarray:
        raise NotImplementedError


class RandomSampler(_PerTrialSampler):
    """Independent uniform draws on each parameter's scale."""

    name = "random"

    def unit_point(self, ctx: SamplerContext, d: int, number: int) -> np.ndarray:
        return ctx.rng(number).random(d)


def sobol_point(seed: int, d: int, number: int) -> np.ndarray:
    """Point `number` of the scrambled Sobol sequence of `seed`, shape (d,)."""
    engine = qmc.Sobol(d, scramble=True, rng=np.random.default_rng(seed & 0xFFFFFFFFFFFFFFFF))
    if number:
        engine.fast_forward(number)
    with warnings.catch_warnings():
        # A single point out of a sequence is what we want; balance warnings do not apply.
        warnings.simplefilter("ignore", UserWarning)
        return engine.random(1)[0]


class QuasiRandomSampler(_PerTrialSampler):
    """Scrambled Sobol: trial n takes point n of the sequence fixed by the study's seed."""

    name = "quasi-random"

    def unit_point(self, ctx: SamplerContext, d: int, number: int) -> np.ndarray:
        return sobol_point(ctx.seed, d, number)
