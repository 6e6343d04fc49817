"""API keys: creation (the secret shown once, only its hash stored), verification, rotation,
revocation; and the caller behind a key or customer token."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from app.db import connection, transaction
from app.domain.access import Principal
from app.errors import Conflict, NotFound, Unauthorized, UnprocessableEntity
from app.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut, Page
from app.schemas.api_keys import ApiKeyListQuery, ApiKeyRotate
from app.services import customer_tokens
from app.services.context import Desk
from app.store import agents, api_keys
from app.store.api_keys import ApiKeyRow, CallerRow

KEY_PREFIX = "hd_"


def hash_key(secret: str) -> str:
    # API keys are 256-bit random, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def authenticate(desk: Desk, secret: str | None, now: datetime) -> Principal:
    """The caller behind `secret` (an API key or a customer token) at `now`: from the app's
    cache, else one query. Expiry is checked on every request, cached or not; the key's last
    use is written at most once a minute per replica."""
    if not secret:
        raise Unauthorized("send 'Authorization: Bearer <api key>'")
    if customer_tokens.is_customer_token(secret):
        return await customer_tokens.verify(desk, secret, now)
    key_hash = hash_key(secret)
    principal = desk.keys.get(key_hash)
    if principal is None:
        async with connection(desk.db) as conn:
            row = await api_keys.caller_by_hash(conn, key_hash)
            principal = _principal(row, key_hash)
            if desk.keys.touch_due(principal.key_id):
                await api_keys.touch(conn, principal.key_id, now)
        desk.keys.put(key_hash, principal)
    elif desk.keys.touch_due(principal.key_id):
        async with connection(desk.db) as conn:
            await api_keys.touch(conn, principal.key_id, now)
    if principal.expires_at is not None and now >= principal.expires_at:
        raise Unauthorized(f"the API key expired at {principal.expires_at.isoformat()}")
    return principal


def _principal(row: CallerRow | None, key_hash: str) -> Principal:
    # The row was found by its hash; comparing again in constant time costs nothing and keeps
    # the check independent of how the index compares.
    if row is None or not hmac.compare_digest(row.key_hash, key_hash):
        raise Unauthorized("the API key is unknown or revoked")
    if row.revoked_at is not None:
        raise Unauthorized("the API key is unknown or revoked")
    if row.agent_id is not None and not row.agent_active:
        raise Unauthorized(f"the API key acts as agent {row.agent_id}, who is no longer active")
    return Principal(
        key_id=row.id,
        # Tied to an agent, the key acts as the agent: history and interactions name them.
        name=row.agent_name if row.agent_id is not None and row.agent_name else row.name,
        role=row.role,
        agent_id=row.agent_id,
        team_ids=frozenset() if row.agent_team_id is None else frozenset({row.agent_team_id}),
        lineage=frozenset(row.lineage),
        scope=None if row.scope is None else frozenset(row.scope),
        expires_at=row.expires_at,
    )


def _out(row: ApiKeyRow) -> ApiKeyOut:
    return ApiKeyOut(
        id=row.id,
        name=row.name,
        role=row.role,
        prefix=row.prefix,
        agent_id=row.agent_id,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        replaces_id=row.replaces_id,
        scope=row.scope,
    )


def _refuse_past_expiry(expires_at: datetime | None, now: datetime) -> None:
    if expires_at is not None and expires_at <= now:
        raise UnprocessableEntity(
            "expires_at: must be in the future",
            errors=[{"field": "expires_at", "message": "must be in the future"}],
        )


async def create_key(desk: Desk, data: ApiKeyCreate, *, now: datetime) -> ApiKeyCreated:
    _refuse_past_expiry(data.expires_at, now)
    if data.scope is not None and data.role != "integration":
        raise UnprocessableEntity(
            "scope: only integration keys have a scope (the others see by role and agent)",
            errors=[{"field": "scope", "message": "integration keys only"}],
        )
    secret = new_secret()
    async with transaction(desk.db) as conn:
        if data.agent_id is not None and await agents.is_active(conn, data.agent_id) is None:
            raise UnprocessableEntity(
                f"agent {data.agent_id} does not exist",
                errors=[{"field": "agent_id", "message": "unknown id"}],
            )
        row = await api_keys.insert(
            conn,
            name=data.name,
            role=data.role,
            prefix=secret[:10],
            key_hash=hash_key(secret),
            agent_id=data.agent_id,
            now=now,
            expires_at=data.expires_at,
            scope=None if data.scope is None else sorted(set(data.scope)),
        )
    assert row is not None  # a fresh 256-bit secret's hash collides with none
    return ApiKeyCreated(**_out(row).model_dump(), key=secret)


async def list_keys(desk: Desk, query: ApiKeyListQuery) -> Page[ApiKeyOut]:
    """Keys in id order, revoked ones too."""
    async with connection(desk.db) as conn:
        rows, next_cursor = await api_keys.page(conn, cursor=query.cursor, limit=query.limit)
    return Page(items=[_out(r) for r in rows], next_cursor=next_cursor)


async def rotate_key(
    desk: Desk, key_id: int, data: ApiKeyRotate, *, now: datetime
) -> ApiKeyCreated:
    """A successor to the key (same name, role, agent and scope, a new secret); the old key
    keeps working for settings.key_rotation_grace_seconds, then expires."""
    _refuse_past_expiry(data.expires_at, now)
    secret = new_secret()
    async with transaction(desk.db) as conn:
        old = await api_keys.lock(conn, key_id)
        if old is None:
            raise NotFound(f"API key {key_id} does not exist")
        if old.revoked_at is not None:
            raise Conflict(f"API key {key_id} is revoked: create a new key instead")
        if old.expires_at is not None and old.expires_at <= now:
            raise Conflict(f"API key {key_id} has expired: create a new key instead")
        new = await api_keys.insert(
            conn,
            name=old.name,
            role=old.role,
            prefix=secret[:10],
            key_hash=hash_key(secret),
            agent_id=old.agent_id,
            now=now,
            expires_at=data.expires_at,
            replaces_id=old.id,
            scope=old.scope,
        )
        if new is None:
            raise Conflict(f"API key {key_id} was already rotated: rotate its successor")
        grace = timedelta(seconds=desk.settings.key_rotation_grace_seconds)
        await api_keys.expire_by(conn, old.id, now + grace)
    desk.keys.clear()
    return ApiKeyCreated(**_out(new).model_dump(), key=secret)


async def revoke_key(desk: Desk, key_id: int, *, now: datetime) -> ApiKeyOut:
    """Revoke a key at once; never the last usable admin key (the desk would be unmanageable)."""
    async with transaction(desk.db) as conn:
        # Every usable admin key first, in id order, then the key: two admins revoking each
        # other's keys at once queue here, and the second sees the first's revocation.
        admins = await api_keys.lock_active_admins(conn, now)
        row = await api_keys.lock(conn, key_id)
        if row is None:
            raise NotFound(f"API key {key_id} does not exist")
        if admins == [key_id]:
            raise Conflict(
                f"API key {key_id} is the last usable admin key: create (or rotate to) another "
                "admin key before revoking it",
                reason="last_admin_key",
            )
        row = await api_keys.revoke(conn, key_id, now)
    assert row is not None
    desk.keys.clear()
    return _out(row)


async def has_any_key(desk: Desk) -> bool:
    async with connection(desk.db) as conn:
        return await api_keys.any_key(conn)
