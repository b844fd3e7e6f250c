"""The change feed: what changed in a study's trials since a cursor, so that dashboards
and scripts follow a study without reading it again.

A cursor is opaque to clients: "S" or "S.I", meaning "after position (S, I)" in the order
(change_seq, trial id) of store/changes.py. "0" starts from the beginning. A page ends
either at its limit (the cursor is then its last trial's position, and `more` is true)
or at the horizon, past which a change could still be committing (the cursor is then
"H": everything from H on comes later). A trial changed again after it was read shows
again, as it is then. Leases that lapse without a write do not show until a write marks
the trial expired (the next suggest on the study does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..domain import Study, Trial
from ..errors import InvalidRequest

_CURSOR = re.compile(r"(0|[1-9][0-9]{0,18})(?:\.([1-9][0-9]{0,18}))?")
MAX_WAIT_SECONDS = 30.0
POLL_SECONDS = 0.25


@dataclass(frozen=True)
class Changes:
    """Trials changed since the cursor asked for (by change), where to go on from, and
    whether more are waiting past the page's limit."""

    trials: list[Trial]
    cursor: str
    more: bool
    study: Study | None = None  # what the trials' values and curves are about


def parse(cursor: str | None) -> tuple[int, int]:
    """(change_seq, id) of a cursor; InvalidRequest naming `since` if it is not one."""
    match = _CURSOR.fullmatch(cursor or "0")
    if match is None or int(match.group(1)) >= 2**63:
        message = "not a cursor: give \"0\" or the cursor of the previous answer"
        raise InvalidRequest(f"since: {message}", errors={"since": [message]})
    return int(match.group(1)), int(match.group(2) or 0)


def page(found: list[tuple[int, Trial]], limit: int, horizon: int, after: tuple[int, int]
         ) -> Changes:
    """The answer for rows read with limit + 1."""
    if len(found) > limit:
        seq, last = found[limit - 1]
        return Changes([t for _, t in found[:limit]], f"{seq}.{last.id}", True)
    # Never move back: the horizon may be below the cursor given (a lagging replica's
    # snapshot); the next read then starts where this one did.
    position = max((horizon, 0), after)
    cursor = str(position[0]) if position[1] == 0 else f"{position[0]}.{position[1]}"
    return Changes([t for _, t in found], cursor, False)
