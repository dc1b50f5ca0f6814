"""Counting the SQL statements the ORM sends."""

from __future__ import annotations

import logging


class QueryCounter(logging.Handler):
    """Counts the SQL statements the ORM sends while attached."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            self.statements.append(message)
