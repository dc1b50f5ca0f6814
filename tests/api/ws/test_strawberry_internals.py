"""The private Strawberry hooks app/api/ws relies on (strawberry-graphql is pinned for them).

An upgrade that renames, removes or re-signs one fails here, naming it, rather than as a subtle
change of behaviour on the wire.
"""

from __future__ import annotations

import inspect
import tomllib
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLSchema
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation

from app.api.schema import build_schema
from app.api.ws.protocol import graphql_core_schema

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"
Handler = BaseGraphQLTransportWSHandler


def parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_installed_strawberry_is_the_pinned_one() -> None:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    [pin] = [spec for spec in dependencies if spec.startswith("strawberry-graphql")]
    assert pin == f"strawberry-graphql=={version('strawberry-graphql')}", (
        "strawberry-graphql is pinned exactly for the private hooks this file checks: re-run it after an upgrade"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("_send_result_stream", ["self", "operation", "result_source"]),
        ("_handle_pre_execution_error", ["self", "operation", "result"]),
        ("run_operation", ["self", "operation"]),
        ("handle_subscribe", ["self", "message"]),
        ("handle_task_exception", ["self", "error"]),
    ],
)
def test_the_handler_hooks_exist_with_their_signatures(name: str, expected: list[str]) -> None:
    hook = getattr(Handler, name, None)
    assert hook is not None, f"BaseGraphQLTransportWSHandler.{name} is gone"
    assert inspect.iscoroutinefunction(hook), f"BaseGraphQLTransportWSHandler.{name} is no longer a coroutine"
    assert parameters(hook) == expected, f"BaseGraphQLTransportWSHandler.{name}{inspect.signature(hook)} changed"


def test_run_operation_streams_through_send_result_stream_and_then_completes() -> None:
    # WebSocketHandler sends a shared feed's frames from its _send_result_stream override, after
    # the resolver's stream and before the `complete` run_operation sends.
    source = inspect.getsource(Handler.run_operation)
    assert "self._send_result_stream(" in source, "run_operation no longer calls _send_result_stream"
    assert source.index("self._send_result_stream(") < source.index('type="complete"'), (
        "run_operation no longer sends `complete` after _send_result_stream"
    )


def test_pre_execution_errors_go_through_handle_pre_execution_error() -> None:
    source = inspect.getsource(Handler._send_result_stream)
    assert "self._handle_pre_execution_error(" in source, (
        "_send_result_stream no longer hands pre-execution errors to _handle_pre_execution_error"
    )


def test_the_attributes_the_handlers_read_exist() -> None:
    handler_init = inspect.getsource(Handler.__init__)
    for attribute in ("self.operations", "self.connection_init_timeout_task", "self.max_subscriptions_per_connection"):
        assert attribute in handler_init, f"BaseGraphQLTransportWSHandler no longer sets {attribute}"
    assert "completed" in Operation.__slots__, "Operation.completed is gone"
    assert "self.ws = " in inspect.getsource(ASGIWebSocketAdapter.__init__), "ASGIWebSocketAdapter.ws is gone"


def test_schema_keeps_its_graphql_core_schema() -> None:
    assert isinstance(graphql_core_schema(build_schema()), GraphQLSchema), "strawberry.Schema._schema changed"


def test_the_leaf_short_path_hooks_exist() -> None:
    # app.api.execution overrides graphql-core's execute_field and reads Strawberry's basic-field marks.
    from graphql.execution.executor import Executor
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    assert issubclass(StrawberryGraphQLCoreExecutionContext, Executor)
    assert parameters(Executor.execute_field) == [
        "self",
        "parent_type",
        "source",
        "field_details_list",
        "path",
        "position_context",
    ], f"Executor.execute_field{inspect.signature(Executor.execute_field)} changed"
    schema = build_schema()
    song = schema._schema.type_map["SetlistSong"]
    votes = song.fields["votes"]  # type: ignore[attr-defined]
    assert getattr(votes.resolve, "_is_default", False), "Strawberry no longer marks basic fields `_is_default`"
    assert votes.extensions["strawberry-definition"].python_name == "votes"
