"""Grid search: every combination exactly once, in row-major order.

The grid is never materialized: point i is computed from i by mixed-radix digits
(space.grid_point). Exactly-once across workers and replicas comes from the service,
which hands the sampler the study's cursor and the points handed back under the
study's lock; the sampler only decides which of them to take.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..space import Space
from .base import Proposal, SamplerContext, Suggestion
from .random import check_options

DEFAULT_GRID_POINTS = 5
DEFAULT_MAX_RETRIES = 1
MAX_GRID_POINTS = 10_000


class GridSampler:
    name = "grid"
    needs_history = False

    def validate_options(self, options: Mapping[str, Any], space: Space) -> dict[str, Any]:
        check_options(options, {"grid_points", "max_retries"}, self.name)
        out = {
            "grid_points": options.get("grid_points", DEFAULT_GRID_POINTS),
            "max_retries": options.get("max_retries", DEFAULT_MAX_RETRIES),
        }
        gp, mr = out["grid_points"], out["max_retries"]
        if not isinstance(gp, int) or isinstance(gp, bool) or not 1 <= gp <= MAX_GRID_POINTS:
            raise ValueError(f"grid_points must be an integer in [1, {MAX_GRID_POINTS}]")
        if not isinstance(mr, int) or isinstance(mr, bool) or not 0 <= mr <= 100:
            raise ValueError("max_retries must be an integer in [0, 100]")
        return out

    def size(self, space: Space, options: Mapping[str, Any]) -> int:
        return space.grid_size(options["grid_points"])

    def max_retries(self, options: Mapping[str, Any]) -> int:
        return options["max_retries"]

    def max_count(self, space: Space) -> None:
        return None  # a point costs a few divisions

    def suggest(self, ctx: SamplerContext) -> Proposal:
        """Handed-back points first (lowest index first), then fresh ones from the cursor."""
        need = len(ctx.numbers)
        again = list(ctx.requeued[:need])
        end = min(self.size(ctx.space, ctx.options), ctx.cursor + need - len(again))
        indices = [*again, *range(ctx.cursor, end)]
        gp = ctx.options["grid_points"]
        return Proposal(
            [Suggestion(ctx.space.grid_point(i, gp), {"grid_index": i}, index=i)
             for i in indices],
            cursor=max([ctx.cursor - 1, *indices]) + 1,
        )
