"""Helpers for the tour history tests."""

from __future__ import annotations

import uuid

from catalog_testing import Emulator
from pydantic import SecretStr

from app.settings import Settings


def on_setlistfm(settings: Settings, emulator: Emulator, **overrides: object) -> Settings:
    """`settings` on the setlist.fm emulator with a fresh key (a fresh budget, limiter and breaker)."""
    return settings.model_copy(
        update={
            "setlistfm_base_url": f"{emulator.url}/rest",
            "setlistfm_api_key": SecretStr(f"sfm-{uuid.uuid4().hex}"),
            "setlistfm_requests_per_second": 1000.0,
            **overrides,
        }
    )
