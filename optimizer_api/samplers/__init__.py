"""The samplers, by the name a study definition uses."""

from __future__ import annotations

from .base import Proposal, Sampler, SamplerContext, Suggestion
from .grid import GridSampler
from .random import QuasiRandomSampler, RandomSampler

_REGISTRY: dict[str, Sampler] = {
    s.name: s for s in (GridSampler(), RandomSampler(), QuasiRandomSampler())
}

try:  # the Bayesian sampler lives in its own package (samplers/gp)
    from .gp import GPSampler

    _REGISTRY[GPSampler.name] = GPSampler()
except ImportError:  # pragma: no cover - only while gp is being written
    pass


def names() -> list[str]:
    return sorted(_REGISTRY)


def get(name: str) -> Sampler:
    """The sampler called `name`; KeyError when there is none."""
    return _REGISTRY[name]


__all__ = ["Proposal", "Sampler", "SamplerContext", "Suggestion", "get", "names"]
