"""Every scheduled sync job and when the worker's cron starts it: the one list of them.

The worker's cron (workers/settings.py) and sync health (app.catalog.health, the `syncHealth` query)
both read `SCHEDULES`, so a job scheduled is a job watched. It lives in the lowest domain package,
beside the journal, so the played-setlists and tour-history jobs can take their names from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import MappingProxyType

TOURS_JOB = "sync_popular_tours"
SONGS_JOB = "sync_artist_songs"
PLAYED_JOB = "sync_played_setlists"
HISTORY_JOB = "sync_tour_history"


@dataclass(frozen=True)
class Schedule:
    """When the worker's cron starts a job: at `minute` past `hour`, or past every hour when `hour` is None."""

    hour: int | None
    minute: int

    @property
    def interval(self) -> dt.timedelta:
        return dt.timedelta(hours=1 if self.hour is None else 24)


SCHEDULES = MappingProxyType(
    {
        TOURS_JOB: Schedule(hour=4, minute=0),
        SONGS_JOB: Schedule(hour=None, minute=30),
        PLAYED_JOB: Schedule(hour=None, minute=15),
        # After the tours sync (04:00), so the day's new headliners are in.
        HISTORY_JOB: Schedule(hour=5, minute=0),
    }
)
