"""Quotas per owner: what one owner's requests may take of a shared service.

Each is a setting (config.py, OPTIMIZER_MAX_*). Over the per-request one (`count`) is a
422 naming the field; over one that the owner's stored data reaches (running trials of
a study, studies) is a 429 naming the quota, until trials finish or studies go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidRequest, QuotaExceeded


@dataclass(frozen=True)
class Quotas:
    max_running_trials_per_study: int = 1000
    max_suggest_count: int = 100
    max_studies_per_owner: int = 1000

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Quotas:
        return cls(
            max_running_trials_per_study=config["MAX_RUNNING_TRIALS_PER_STUDY"],
            max_suggest_count=config["MAX_SUGGEST_COUNT"],
            max_studies_per_owner=config["MAX_STUDIES_PER_OWNER"],
        )

    def check_count(self, count: int) -> None:
        """Raise InvalidRequest (422) naming `count` when a suggest asks for too many."""
        if count > self.max_suggest_count:
            raise InvalidRequest(
                f"count is at most {self.max_suggest_count} per suggest",
                errors={"count": [f"at most {self.max_suggest_count} (max_suggest_count)"]},
            )

    def room_for_running(self, study_id: int, running: int, required: bool = True) -> int:
        """How many more trials of the study may run; QuotaExceeded (429) when none and
        some are `required`."""
        room = max(self.max_running_trials_per_study - running, 0)
        if room == 0 and required:
            raise QuotaExceeded(
                f"study {study_id} has {running} running trials, the most allowed "
                "(max_running_trials_per_study): finish, fail or prune some first",
                quota="max_running_trials_per_study", limit=self.max_running_trials_per_study,
            )
        return room

    def check_studies(self, owner: str, count: int) -> None:
        """QuotaExceeded (429) when the owner already has as many studies as allowed."""
        if count >= self.max_studies_per_owner:
            raise QuotaExceeded(
                f"owner {owner!r} has {count} studies, the most allowed "
                "(max_studies_per_owner): delete some first",
                quota="max_studies_per_owner", limit=self.max_studies_per_owner,
            )
