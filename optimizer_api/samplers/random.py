"""Random search: uniform on each parameter's scale, or scrambled Sobol."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.stats import qmc

from ..space import Space
from .base import Proposal, SamplerContext, Suggestion


def check_options(options: Mapping[str, Any], allowed: set[str], name: str) -> None:
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(f"unknown option(s) {unknown} for algorithm {name!r}")


class RandomSampler:
    """Independent uniform draws; trial n's draw depends only on (seed, n)."""

    name = "random"
    needs_history = False

    def validate_options(self, options: Mapping[str, Any], space: Space) -> dict[str, Any]:
        check_options(options, set(), self.name)
        return {}

    def suggest(self, ctx: SamplerContext) -> Proposal:
        d = len(ctx.space)
        return Proposal(
            [Suggestion(ctx.space.decode(ctx.rng(n).random(d))) for n in ctx.numbers]
        )


def sobol_point(seed: int, d: int, number: int) -> np.ndarray:
    """Point `number` of the scrambled Sobol sequence of `seed`, shape (d,)."""
    engine = qmc.Sobol(d, scramble=True, rng=np.random.default_rng(seed & 0xFFFFFFFFFFFFFFFF))
    if number:
        engine.fast_forward(number)
    with warnings.catch_warnings():
        # A single point out of a sequence is what we want; balance warnings do not apply.
        warnings.simplefilter("ignore", UserWarning)
        return engine.random(1)[0]


class QuasiRandomSampler:
    """Scrambled Sobol: trial n takes point n of the sequence fixed by the study's seed."""

    name = "quasi-random"
    needs_history = False

    def validate_options(self, options: Mapping[str, Any], space: Space) -> dict[str, Any]:
        check_options(options, set(), self.name)
        return {}

    def suggest(self, ctx: SamplerContext) -> Proposal:
        d = len(ctx.space)
        return Proposal(
            [Suggestion(ctx.space.decode(sobol_point(ctx.seed, d, n))) for n in ctx.numbers]
        )
