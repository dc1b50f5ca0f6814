"""`schema.graphql` is the exported schema, and every client document validates against it."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate
from graphql_client import DOCUMENTS_DIR

from app.api import enums
from app.api.schema import schema_sdl
from app.catalog import health, models
from app.setlists.models import SeedSource as SetlistSeedSource

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted(DOCUMENTS_DIR.glob("*.graphql"))


def test_schema_graphql_is_current() -> None:
    committed = (ROOT / "schema.graphql").read_text()

    assert committed == schema_sdl(), "schema.graphql is stale: run `theset export-schema`"


def test_graphql_folder_holds_only_documents() -> None:
    assert not (DOCUMENTS_DIR / "__init__.py").exists()
    assert {path.suffix for path in DOCUMENTS_DIR.iterdir()} == {".graphql"}


@pytest.mark.parametrize("path", DOCUMENTS, ids=[path.stem for path in DOCUMENTS])
def test_document_validates_against_the_schema(path: Path) -> None:
    schema = build_schema(schema_sdl())
    document = parse(path.read_text())

    assert validate(schema, document) == []
    assert [op.name.value for op in document.definitions if op.name] == [path.stem]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "model_enum"),
    [
        ("ShowStatus", models.ShowStatus),
        ("SpotifyMatch", models.SpotifyMatch),
        ("SyncLevel", models.SyncLevel),
        ("SyncHealthStatus", health.HealthStatus),
        ("SeedSource", SetlistSeedSource),
    ],
)
def test_each_graphql_enum_mirrors_its_model_enum(name: str, model_enum: type[Enum]) -> None:
    graphql_enum = getattr(enums, name)

    assert {member.name: member.value for member in graphql_enum} == {m.name: m.value for m in model_enum}
    assert all(enums.of(graphql_enum, member).name == member.name for member in model_enum)
