"""The samplers, by the name a study definition uses: adding one is a module and a line."""

from __future__ import annotations

from .base import Proposal, Sampler, SamplerContext, Suggestion
from .gp import GPSampler
from .grid import GridSampler
from .random import QuasiRandomSampler, RandomSampler

_REGISTRY: dict[str, Sampler] = {
    s.name: s for s in (GridSampler(), RandomSampler(), QuasiRandomSampler(), GPSampler())
}


def names() -> list[str]:
    return sorted(_REGISTRY)


def get(name: str) -> Sampler:
    """The sampler called `name`; KeyError when there is none."""
    return _REGISTRY[name]


__all__ = ["Proposal", "Sampler", "SamplerContext", "Suggestion", "get", "names"]
