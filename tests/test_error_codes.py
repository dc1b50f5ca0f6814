"""The error codes are one table (`app.errors.ErrorCode`): the README and the schema show it word for word."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import build_schema

from app.api.schema import schema_sdl
from app.errors import AppError, ErrorCode, error_code_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_shows_the_error_code_table() -> None:
    match = re.search(r"<!-- error-codes: begin[^>]*-->\n(.*?)\n<!-- error-codes: end -->", README.read_text(), re.S)

    assert match is not None, "README.md lost its error-code table markers"
    assert match.group(1) == error_code_table()


def test_apollo_names_are_used_where_apollo_has_one() -> None:
    apollo = {
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
        "PERSISTED_QUERY_NOT_FOUND",
        "BAD_USER_INPUT",
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "INTERNAL_SERVER_ERROR",
    }

    assert apollo <= {code.value for code in ErrorCode}
    assert "INTERNAL" not in {code.value for code in ErrorCode}


def test_every_code_says_what_it_means() -> None:
    assert all(code.description.strip() for code in ErrorCode)


def test_every_service_error_carries_a_code_of_the_table() -> None:
    def subclasses(cls: type[AppError]) -> list[type[AppError]]:
        return [cls, *(sub for child in cls.__subclasses__() for sub in subclasses(child))]

    assert all(isinstance(error.code, ErrorCode) for error in subclasses(AppError))


def test_the_schema_description_shows_the_error_code_table() -> None:
    # Strawberry prints no schema description: the schema's opens the Query type's description.
    schema = build_schema(schema_sdl())

    assert schema.query_type is not None
    assert error_code_table() in (schema.query_type.description or "")
