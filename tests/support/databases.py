"""Throwaway PostgreSQL databases on the test server."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import asyncpg

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def database_url(name: str) -> str:
    """The URL of database `name` on the test PostgreSQL server."""
    return urlsplit(POSTGRES_URL)._replace(path=f"/{name}").geturl()


async def create_database(name: str) -> str:
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return database_url(name)


async def drop_database(name: str) -> None:
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
