"""The operations clients send, by SHA-256: the trusted documents of graphql/, and those registered through APQ.

- `graphql/*.graphql`: the project's own documents. Their hashes are what trusted-documents mode
  accepts (TRUSTED_DOCUMENTS=true), and the shared reads among them are what the response cache keeps.
- Automatic persisted queries (Apollo's protocol): a client sends only
  `extensions.persistedQuery.sha256Hash`; an unknown hash is answered PERSISTED_QUERY_NOT_FOUND,
  and the client sends the document with its hash once, which registers it here (bounded, per
  process: a process that has not seen it asks again).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.errors import BadUserInput, PersistedQueryNotFound, PersistedQueryNotSupported, TrustedDocumentRequired

DOCUMENTS_DIR = Path(__file__).resolve().parents[2] / "graphql"
# Shared reads: the same answer for everyone (viewerHasVoted aside), cached (app.api.response_cache).
SHARED_READS = frozenset({"ShowPage", "ShowPageWithSetlist", "ShowList", "ArtistPage"})
# Registered APQ documents kept per process.
MAX_REGISTERED = 1_000


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Trusted:
    name: str
    text: str
    sha256: str

    @property
    def shared_read(self) -> bool:
        return self.name in SHARED_READS


class Documents:
    """Trusted documents by text and by hash; APQ registrations by hash."""

    def __init__(self, directory: Path = DOCUMENTS_DIR, *, trusted_only: bool = False) -> None:
        self.trusted_only = trusted_only
        self._by_text: dict[str, Trusted] = {}
        self._by_hash: dict[str, Trusted] = {}
        for path in sorted(directory.glob("*.graphql")):
            text = path.read_text()
            document = Trusted(path.stem, text, sha256_hex(text))
            self._by_text[text] = document
            self._by_hash[document.sha256] = document
        self._registered: OrderedDict[str, str] = OrderedDict()

    def trusted(self, query: str | None) -> Trusted | None:
        """The trusted document whose text this is, exactly."""
        return self._by_text.get(query) if query is not None else None

    def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> str | None:
        """The document to run: the query as sent, or the one its persisted-query hash names.

        PERSISTED_QUERY_NOT_FOUND for a hash not known here (the client then sends the document);
        BAD_USER_INPUT for a document that does not match its hash; in trusted-documents mode,
        TRUSTED_DOCUMENT_REQUIRED for anything not in graphql/ (and no registration).
        """
        persisted = (extensions or {}).get("persistedQuery")
        digest: str | None = None
        if persisted is not None:
            if not isinstance(persisted, dict) or persisted.get("version", 1) != 1:
                raise PersistedQueryNotSupported("Only version 1 of persisted queries is supported")
            digest = persisted.get("sha256Hash")
            if not isinstance(digest, str) or len(digest) != 64:
                raise BadUserInput("`persistedQuery.sha256Hash` must be a SHA-256 in hex")
            digest = digest.lower()
        if query is None and digest is not None:
            trusted = self._by_hash.get(digest)
            if trusted is not None:
                return trusted.text
            registered = None if self.trusted_only else self._registered.get(digest)
            if registered is None:
                raise PersistedQueryNotFound("PersistedQueryNotFound")
            self._registered.move_to_end(digest)
            return registered
        if query is not None and digest is not None and sha256_hex(query) != digest:
            raise BadUserInput("provided sha does not match query")
        if self.trusted_only and query is not None and query not in self._by_text:
            raise TrustedDocumentRequired("Only the application's own operations are accepted here")
        if query is not None and digest is not None and query not in self._by_text:
            self._registered[digest] = query
            if len(self._registered) > MAX_REGISTERED:
                self._registered.popitem(last=False)
        return query
