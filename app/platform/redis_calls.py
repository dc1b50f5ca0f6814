"""The request path's Redis writes, whichever module makes them, in one round trip per batch.

A vote may owe Redis a rate-limit reservation (app.platform.quotas) and then publishes its change
(app.platform.broker). Each call is a `Call`; `RedisCalls.run(*calls)` sends them in one Lua script
call, and calls made while one is in flight go out together as the next (app.platform.batching):
under load the limits' hits and reservations share round trips with the publishes of other votes,
and a vote that carries its own reservation along with its publish makes one round trip in all
(docs/decisions/0013-one-round-trip-per-vote.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from redis.asyncio import Redis

from app.platform.batching import GroupCommit

# ARGV[1] names the calls, a letter each; each call then takes its KEYS and ARGV in order:
#   h  hit a fixed window: KEYS key; ARGV window seconds. INCR, EXPIRE on the window's first hit only
#      (the window never slides). Answers {hits, ttl}.
#   r  reserve up to `want` hits of a window without passing its limit (INCRBY the granted part
#      only): KEYS key; ARGV want, window seconds, limit. Answers {granted, ttl}.
#   p  numbered publish: KEYS counter, channel; ARGV head, tail. INCR the counter and PUBLISH
#      head .. n .. tail, so numbers arrive in order. Counters never expire: they are a setlist's
#      whole history, and one that restarted would look like a jump back to subscribers. Answers n.
_SCRIPT = """
local names, out, k, a = ARGV[1], {}, 1, 2
for i = 1, #names do
  local name = string.sub(names, i, i)
  if name == 'p' then
    local n = redis.call('INCR', KEYS[k])
    redis.call('PUBLISH', KEYS[k + 1], ARGV[a] .. n .. ARGV[a + 1])
    out[i] = n
    k, a = k + 2, a + 2
  elseif name == 'h' then
    local hits = redis.call('INCR', KEYS[k])
    if hits == 1 then redis.call('EXPIRE', KEYS[k], ARGV[a]) end
    out[i] = {hits, redis.call('TTL', KEYS[k])}
    k, a = k + 1, a + 1
  elseif name == 'r' then
    local want, limit = tonumber(ARGV[a]), tonumber(ARGV[a + 2])
    local used = tonumber(redis.call('GET', KEYS[k]) or '0')
    local grant = math.max(0, math.min(want, limit - used))
    if grant > 0 and redis.call('INCRBY', KEYS[k], grant) == grant then
      redis.call('EXPIRE', KEYS[k], ARGV[a + 1])
    end
    out[i] = {grant, redis.call('TTL', KEYS[k])}
    k, a = k + 1, a + 3
  else
    return redis.error_reply('unknown call ' .. name)
  end
end
return out
"""


@dataclass(frozen=True, slots=True)
class Call:
    """One call of the script: its letter, its keys and its arguments (see _SCRIPT)."""

    name: Literal["h", "r", "p"]
    keys: tuple[str, ...]
    args: tuple[bytes | str | int, ...]


def hit(key: str, seconds: int) -> Call:
    """Count one hit of a `seconds` window on `key`; answers [hits so far, ttl]."""
    return Call("h", (key,), (seconds,))


def reserve(key: str, want: int, seconds: int, limit: int) -> Call:
    """Take up to `want` hits of `key`'s window, never past `limit`; answers [granted, ttl]."""
    return Call("r", (key,), (want, seconds, limit))


def publish_numbered(counter: str, channel: str, head: bytes, tail: bytes) -> Call:
    """PUBLISH `head + n + tail` on `channel`, n the next value of `counter`; answers n."""
    return Call("p", (counter, channel), (head, tail))


class Rider(Protocol):
    """A call that travels in another call's round trip and is told how it went."""

    @property
    def call(self) -> Call: ...

    def answered(self, result: Any) -> None: ...

    def failed(self, error: BaseException) -> None: ...


class RedisCalls:
    """Sends `Call`s in one script call per batch; one per process, shared by the limits and the broker."""

    def __init__(self, redis: Redis) -> None:
        self._script = redis.register_script(_SCRIPT)
        self._commit: GroupCommit[tuple[Call, ...], list[Any]] = GroupCommit(self._send)

    @property
    def round_trips(self) -> int:
        """Script calls sent so far (tests and metrics)."""
        return self._commit.batches

    async def run(self, *calls: Call) -> list[Any]:
        """The calls' answers in order, from one round trip (shared with the calls of concurrent callers)."""
        return await self._commit.submit(calls)

    async def _send(self, groups: list[tuple[Call, ...]]) -> list[list[Any]]:
        calls = [call for group in groups for call in group]
        args: list[bytes | str | int] = ["".join(call.name for call in calls)]
        for call in calls:
            args += call.args
        out: Sequence[Any] = await self._script(keys=[key for call in calls for key in call.keys], args=args)
        answers: list[list[Any]] = []
        start = 0
        for group in groups:
            answers.append(list(out[start : start + len(group)]))
            start += len(group)
        return answers
