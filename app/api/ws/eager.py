"""Start a coroutine at once, in the caller's task; a task is needed only if it has to wait.

A websocket send almost never waits (the frame goes into the transport's buffer), so a feed that
sends one event to thousands of sockets can do it in one loop, as a bare broadcast does, instead of
waking one task per socket. A socket whose buffer is full makes its send wait: the rest of that
send is handed back as an awaitable for the socket's own task, and the loop goes on. This is
Python 3.12's eager task start (`asyncio.eager_task_factory`) for one coroutine, on Python 3.11.
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def start_eagerly(coroutine: Coroutine[Any, Any, T]) -> Rest[T] | None:
    """Run `coroutine` up to its first wait: None if it finished, else the awaitable rest of it.

    Its exceptions, raised before the first wait, propagate to the caller.
    """
    try:
        awaiting = coroutine.send(None)
    except StopIteration:
        return None
    return Rest(coroutine, awaiting)


class Rest(Generic[T]):
    """The rest of a started coroutine: awaiting it resumes it where it waits (as `yield from` would)."""

    def __init__(self, coroutine: Coroutine[Any, Any, T], awaiting: Any) -> None:
        self._coroutine = coroutine
        self._awaiting = awaiting  # the future it waits on, handed to the task that awaits us

    def __await__(self) -> Generator[Any, Any, T]:
        awaiting = self._awaiting
        while True:
            try:
                sent = yield awaiting
            except GeneratorExit:
                self._coroutine.close()
                raise
            except BaseException as error:  # the awaiting task was cancelled, or the future failed
                try:
                    awaiting = self._coroutine.throw(error)
                except StopIteration as stop:
                    return stop.value  # type: ignore[no-any-return]
            else:
                try:
                    awaiting = self._coroutine.send(sent)
                except StopIteration as stop:
                    return stop.value  # type: ignore[no-any-return]

    def close(self) -> None:
        """Abandon the rest (its task went away)."""
        self._coroutine.close()
