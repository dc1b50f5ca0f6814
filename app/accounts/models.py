"""Accounts: users and their bearer tokens."""

from __future__ import annotations

from tortoise import fields

from app.platform.db import TimestampedModel


class User(TimestampedModel):
    id = fields.IntField(primary_key=True)
    # Normalised (trimmed, lower-cased) before it is stored, so uniqueness is case-insensitive.
    email = fields.CharField(max_length=320, unique=True)
    password_hash = fields.CharField(max_length=255)
    display_name = fields.CharField(max_length=64)

    class Meta:
        table = "users"


class AuthToken(TimestampedModel):
    """A bearer token, stored only as its SHA-256 so a database leak leaks no usable token."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tokens", on_delete=fields.CASCADE
    )
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    user_id: int

    class Meta:
        table = "auth_tokens"
