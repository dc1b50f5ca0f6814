"""Helpers shared by the API client tests (a plain module: conftest.py is not importable by name)."""

from __future__ import annotations


class FakeSleep:
    """Records requested sleeps instead of sleeping, so backoff tests stay fast."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
