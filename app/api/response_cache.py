"""The response cache of shared reads, with exact invalidation (docs/decisions/0010-response-cache.md).

Shared reads are the trusted documents everyone sees alike (documents.SHARED_READS: the show page
with or without its setlist, the show list, the artist page). Their answer is cached per process,
per document, variables and UTC day, with the numbers it was built under (app.platform.versions):
the catalog's version, read before executing, and the sequence number of each setlist it shows,
read by the setlist's songs resolver before it reads the songs. A vote commits, then publishes
with the next sequence number; so an entry whose numbers are still the current ones cannot miss a
committed change, and every use checks them (one Redis round trip, shared by concurrent requests).

`viewerHasVoted` and `viewerVotesLeft` are the personal fields: the shared answer is built as if
anonymous, with a marker where each song's `viewerHasVoted` and each setlist's `viewerVotesLeft`
goes; a signed-in viewer's answer fills the markers from one query of their own votes on those
setlists, so nobody ever sees another viewer's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionSetNode,
)

from app.platform.versions import Versions, VersionsUnavailable
from app.setlists.events import channel_for

# A marker's kind: a setlist song's viewerHasVoted, or a setlist's viewerVotesLeft.
VOTED = "voted"
VOTES_LEFT = "left"
_ANONYMOUS = {VOTED: b"false", VOTES_LEFT: b"null"}


@dataclass(frozen=True)
class Personal:
    """A signed-in viewer's part of a shared read: which songs they voted for, and votes left per setlist."""

    voted: frozenset[int]  # setlist song ids
    cast: dict[int, int]  # setlist id -> votes cast
    budget: int  # VOTES_PER_SHOW

    @classmethod
    def of(cls, votes: dict[int, list[int]], budget: int) -> Personal:
        """From the setlist songs the viewer voted for, by setlist id."""
        voted = frozenset(song for songs in votes.values() for song in songs)
        return cls(voted, {setlist_id: len(songs) for setlist_id, songs in votes.items()}, budget)

    def value(self, kind: str, pk: int) -> bytes:
        if kind == VOTED:
            return b"true" if pk in self.voted else b"false"
        return str(max(0, self.budget - self.cast.get(pk, 0))).encode()


@dataclass(frozen=True)
class Entry:
    """A cached answer: its body split at the personal markers, and what it was built under."""

    segments: tuple[bytes, ...]  # len(markers) + 1 pieces of the JSON body
    markers: tuple[tuple[str, int], ...]  # (kind, setlist song or setlist id) of each marker, in body order
    setlists: tuple[int, ...]
    versions: tuple[int, ...]  # (catalog version, each setlist's sequence) when built

    def body(self, personal: Personal | None) -> bytes:
        """The answer for a viewer (`personal`), or for anonymous readers (None)."""
        if not self.markers:
            return self.segments[0]
        parts = [self.segments[0]]
        for (kind, pk), segment in zip(self.markers, self.segments[1:], strict=True):
            parts += [personal.value(kind, pk) if personal is not None else _ANONYMOUS[kind], segment]
        return b"".join(parts)

    def etag(self, key: str, viewer: int | None) -> str:
        """Strong: the same numbers (and viewer) give the same bytes."""
        text = f"{key}|{','.join(map(str, self.versions))}|{viewer or ''}"
        return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def cache_key(document_sha256: str, variables: dict[str, Any] | None, operation_name: str | None) -> str:
    """Per document, variables and UTC day (listings are of upcoming shows: the day is part of the answer)."""
    canonical = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"), default=str)
    day = dt.datetime.now(dt.UTC).date().isoformat()
    return hashlib.sha256(f"{document_sha256}|{operation_name or ''}|{canonical}|{day}".encode()).hexdigest()


@dataclass
class Recorder:
    """One shared-read execution's dependencies and viewerHasVoted places (set on the Context)."""

    versions: Versions
    catalog_version: int
    sequences: dict[int, int] = field(default_factory=dict)
    failed: bool = False  # a version could not be read: the answer is served, not stored
    # (path to a list of setlist songs, the response keys of its viewerHasVoted, the songs' pks)
    places: list[tuple[list[str | int], list[str], list[int]]] = field(default_factory=list)
    # (path to a setlist's viewerVotesLeft, the setlist's pk)
    votes_left_places: list[tuple[list[str | int], int]] = field(default_factory=list)

    async def setlist(self, setlist_id: int) -> None:
        """Before the setlist's songs are read: its sequence number, which the entry is then tagged with."""
        if setlist_id not in self.sequences:
            try:
                self.sequences[setlist_id] = await self.versions.sequence(channel_for(setlist_id))
            except VersionsUnavailable:
                self.failed = True
                self.sequences[setlist_id] = -1

    def songs(self, info: GraphQLResolveInfo[Any], pks: list[int]) -> None:
        keys = response_keys(info, "viewerHasVoted")
        if keys:
            self.places.append((list(info.path.as_list()), keys, pks))

    def votes_left(self, info: GraphQLResolveInfo[Any], setlist_id: int) -> None:
        self.votes_left_places.append((list(info.path.as_list()), setlist_id))

    def entry(self, data: dict[str, Any], encode: Any) -> Entry:
        """The entry for this execution's `data` (whose personal values are overwritten by markers)."""
        nonce = secrets.token_hex(8)
        markers: list[tuple[str, int]] = []

        def mark(kind: str, pk: int) -> str:
            markers.append((kind, pk))
            return f"{nonce}:{len(markers) - 1}"

        for path, keys, pks in self.places:
            node = _at(data, path)
            for item, pk in zip(node or [], pks, strict=False):
                for key in keys:
                    if key in item:
                        item[key] = mark(VOTED, pk)
        for path, setlist_id in self.votes_left_places:
            parent = _at(data, path[:-1])
            if isinstance(parent, dict) and path[-1] in parent:
                parent[path[-1]] = mark(VOTES_LEFT, setlist_id)
        body: bytes = encode({"data": data}).encode()
        # Markers appear in body order of their numbers only if the walk matched serialisation order:
        # order them by where each landed.
        found = list(re.finditer(rf'"{nonce}:(\d+)"'.encode(), body))
        segments, start = [], 0
        order: list[tuple[str, int]] = []
        for match in found:
            segments.append(body[start : match.start()])
            order.append(markers[int(match.group(1))])
            start = match.end()
        segments.append(body[start:])
        setlists = tuple(sorted(self.sequences))
        versions = (self.catalog_version, *(self.sequences[s] for s in setlists))
        return Entry(tuple(segments), tuple(order), setlists, versions)


def _at(data: Any, path: list[str | int]) -> Any:
    node = data
    for part in path:
        node = node[part] if node is not None else None
    return node


def response_keys(info: GraphQLResolveInfo[Any], field_name: str) -> list[str]:
    """The response keys (aliases) under which this field's selection asks for `field_name`."""
    keys: list[str] = []
    seen: set[str] = set()
    for node in info.field_nodes:
        _walk(node.selection_set, field_name, info.fragments, keys, seen)
    return keys


def _walk(
    selection_set: SelectionSetNode | None,
    field_name: str,
    fragments: Mapping[str, FragmentDefinitionNode],
    keys: list[str],
    seen: set[str],
) -> None:
    # A function of its own, not a closure calling itself: that would be a reference cycle holding
    # the request's resolve info until the garbage collector runs (docs/decisions/0005-gc-tuning.md).
    for selection in selection_set.selections if selection_set is not None else ():
        if isinstance(selection, FieldNode):
            if selection.name.value == field_name:
                key = selection.alias.value if selection.alias else field_name
                if key not in keys:
                    keys.append(key)
        elif isinstance(selection, InlineFragmentNode):
            _walk(selection.selection_set, field_name, fragments, keys, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                _walk(fragment.selection_set, field_name, fragments, keys, seen)


async def current(versions: Versions, setlists: Sequence[int]) -> tuple[int, ...]:
    return await versions.read([channel_for(setlist) for setlist in setlists])
