"""Password policy and argon2id hashing (run in a thread: one hash is tens of milliseconds of CPU)."""

from __future__ import annotations

import asyncio
import secrets
import string
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.errors import BadUserInput

MIN_LENGTH = 10
# Long enough for any passphrase; bounds the work one request can ask of argon2.
MAX_LENGTH = 128
# Sign-in refuses longer input before hashing anything: no valid password is that long.
MAX_SIGN_IN_LENGTH = 1024

# argon2-cffi's defaults follow RFC 9106's second recommended option (argon2id, 64 MiB, t=3).
_hasher = PasswordHasher()

_CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits)


def check_password(password: str) -> None:
    """BAD_USER_INPUT unless 10 to 128 characters from at least two classes (lower, upper, digit, other)."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise BadUserInput(f"The password must be {MIN_LENGTH} to {MAX_LENGTH} characters long")
    classes = {next((i for i, chars in enumerate(_CLASSES) if char in chars), len(_CLASSES)) for char in password}
    if len(classes) < 2:
        raise BadUserInput("The password must mix at least two of: lower case, upper case, digits, other characters")


async def hash_password(password: str) -> str:
    """The argon2id hash of `password` (computed in a worker thread)."""
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no hash (unknown email) the same work is done and False returned."""
    return await asyncio.to_thread(_verify, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        # An unknown email costs the same as a wrong password, so timing tells no one which emails exist.
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))
