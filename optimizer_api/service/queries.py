"""The read-only use cases of `Service` (a mixin): pages of trials, the change feed, CSV
export, chart data, importance, one trial, the best trial, the Pareto front. Each reads
in one store read; none writes. `Service` supplies `store`, `clock`, `_study` and
`_trial` (service/__init__.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..analysis import ImportanceReport
from ..domain import Owner, Study, Trial
from ..errors import Conflict, StoreUnavailable
from ..space import Space
from ..store import changes, reads, sql
from . import explore, feed, front
from .feed import Changes
from .status import best_trial


class Queries:
    """What `Service` answers without writing."""

    def trials(
        self, owner: Owner, study_id: int, states: Sequence[str] | None = None, limit: int = 1000,
        offset: int = 0, sort: str = "number", params: Mapping[str, Any] | None = None,
        after: int | None = None,
    ) -> reads.Page:
        """A page of trials, sorted, filtered by state and by ranges of params (see
        explore.param_filters), and how many match in all; with `after`, the trials
        numbered above it (keyset paging, by number)."""
        now = self.clock()
        with self.store.read() as conn:
            study = self._study(conn, owner, study_id)
            filters = explore.param_filters(Space.from_dict(study.definition["space"]), params)
            return reads.page(conn, study_id, now, states=states, filters=filters, sort=sort,
                              limit=limit, offset=offset, after=after)

    def changes(
        self, owner: Owner, study_id: int, since: str | None = None, limit: int = 100,
        wait: float = 0.0,
    ) -> Changes:
        """The study's trials changed after cursor `since` (feed.py), at most `limit`;
        with `wait` seconds, the answer waits up to that long for a first change.

        Raises:
            InvalidRequest: naming `since`, when it is not a cursor.
        """
        after = feed.parse(since)
        deadline = time.monotonic() + min(max(wait, 0.0), feed.MAX_WAIT_SECONDS)
        while True:
            with self.store.read() as conn:
                study = self._study(conn, owner, study_id)
                below = changes.horizon(conn, study_id)
                found = changes.changed(conn, study_id, after, below, limit + 1, self.clock())
            if found or time.monotonic() >= deadline:
                return replace(feed.page(found, limit, below, after), study=study)
            time.sleep(feed.POLL_SECONDS)

    def export(
        self, owner: Owner, study_id: int, states: Sequence[str] | None = None,
        params: Mapping[str, Any] | None = None, page_size: int = 1000,
    ) -> tuple[Space, Iterator[Trial]]:
        """The study's space, and its matching trials by number, read a page at a time
        (checked now: a bad filter or an unknown study raises before anything is sent)."""
        with self.store.read() as conn:
            space = Space.from_dict(self._study(conn, owner, study_id).definition["space"])
        filters = explore.param_filters(space, params)

        def walk() -> Iterator[Trial]:
            after = -1
            while True:
                with self.store.read() as conn:
                    found = reads.page(conn, study_id, self.clock(), states=states,
                                       filters=filters, limit=page_size, after=after,
                                       curves=False, count=False)
                yield from found.trials
                if not found.more:
                    return
                after = found.trials[-1].number

        return space, walk()

    def history(self, owner: Owner, study_id: int, limit: int = 2000) -> explore.Sampled:
        """At most `limit` finished trials, chosen for charts (explore.history)."""
        with self.store.read() as conn:
            study = self._study(conn, owner, study_id)
            return explore.history(conn, study, self.clock(), limit)

    def importance(self, owner: Owner, study_id: int) -> ImportanceReport:
        """Each parameter's share of what sets the best trials apart (explore.importance)."""
        with self.store.read() as conn:
            return explore.importance(conn, self._study(conn, owner, study_id))

    def curves(self, owner: Owner, study_id: int, limit: int = 100) -> explore.Sampled:
        """At most `limit` trials with their intermediate values (explore.curves)."""
        with self.store.read() as conn:
            study = self._study(conn, owner, study_id)
            return explore.curves(conn, study, self.clock(), limit)

    def trial(self, owner: Owner, study_id: int, trial_id: int) -> Trial:
        with self.store.read() as conn:
            self._study(conn, owner, study_id)
            return self._trial(conn, study_id, trial_id, self.clock())

    def best(self, owner: Owner, study_id: int) -> Trial | None:
        """The best completed trial whose constraints hold, or None.

        Raises:
            Conflict: the study has several objectives (see `pareto`).
        """
        with self.store.read() as conn:
            study = self._study(conn, owner, study_id)
            if study.multi_objective:
                raise Conflict(
                    f"study {study_id} has {len(study.objectives)} objectives: no one trial "
                    f"is best; its Pareto front is GET /v1/studies/{study_id}/pareto")
            return best_trial(conn, study)

    def pareto(
        self, owner: Owner, study_id: int, ref: Sequence[float] | None = None
    ) -> front.Front:
        """The completed feasible trials no other such trial dominates, and the
        hypervolume they dominate up to `ref` (front.py; default: from the observed
        ranges).

        Raises:
            InvalidRequest: `ref` has not one number per objective.
        """
        with self.store.read() as conn:
            return front.pareto_front(conn, self._study(conn, owner, study_id), ref, self.clock())

    def study(self, owner: Owner, study_id: int) -> Study:
        """The study's stored definition (what its trials' values and constraints mean)."""
        with self.store.read() as conn:
            return self._study(conn, owner, study_id)

    def ready(self) -> None:
        self.store.ping()

    def trial_states(self) -> dict[str, int] | None:
        """Every study's trials per state (as metrics show them); None if the store is out."""
        try:
            with self.store.read() as conn:
                return sql.state_totals(conn, self.clock())
        except StoreUnavailable:
            return None
