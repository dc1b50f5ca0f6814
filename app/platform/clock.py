"""The one clock of the service: timezone-aware UTC (stored as UTC, shown in the venue's zone)."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Now, in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)
