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


def test_allowed_origins_are_normalised_as_browsers_send_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", "HTTPS://App.Example:443, http://localhost:8080, https://app.example")

    assert Settings().allowed_origins == ["http://localhost:8080", "https://app.example"]


@pytest.mark.parametrize("value", ["https://app.example/path", "not an origin", "null"])
def test_allowed_origins_refuses_what_is_not_an_origin(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", value)

    with pytest.raises(ValueError, match="Invalid origin"):
        Settings()


def test_cors_max_age_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_MAX_AGE_SECONDS", "7200")

    assert Settings().cors_max_age_seconds == 7200
