"""Settings from the environment: the forms `.env.example` documents."""

from __future__ import annotations

import pytest

from app.settings import Settings


@pytest.mark.parametrize(
    "value",
    ["https://a.example,https://b.example", ' ["https://a.example", "https://b.example"]'],
    ids=["comma-separated", "json-list"],
)
def test_allowed_origins_accepts_a_comma_separated_or_json_list(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", value)

    assert Settings().allowed_origins == ["https://a.example", "https://b.example"]
