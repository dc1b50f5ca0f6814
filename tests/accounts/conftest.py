"""Accounts tests start with no rate-limit counters in this process."""

from __future__ import annotations

import pytest

from app.platform import quotas


@pytest.fixture(autouse=True)
def _fresh_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh in-process counter on a frozen clock: no test's count straddles a window boundary."""
    monkeypatch.setattr(quotas, "memory_counter", quotas.MemoryCounter(clock=lambda: 30.0))
