"""API keys: creation (the secret shown once, only its hash stored), verification, revocation."""

import hashlib
import secrets
from datetime import datetime

from app.db import connection, transaction
from app.domain.access import Principal
from app.errors import NotFound, Unauthorized, UnprocessableEntity
from app.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut, Page
from app.schemas.api_keys import ApiKeyListQuery
from app.services.desk import Desk
from app.store import agents, api_keys
from app.store.api_keys import ApiKeyRow

KEY_PREFIX = "hd_"


def hash_key(secret: str) -> str:
    # API keys are 256-bit random, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def authenticate(desk: Desk, secret: str | None) -> Principal:
    """The caller behind `secret`: from the app's cache, else one query."""
    if not secret:
        raise Unauthorized("send 'Authorization: Bearer <api key>'")
    key_hash = hash_key(secret)
    cached = desk.keys.get(key_hash)
    if cached is not None:
        return cached
    async with connection(desk.db) as conn:
        row = await api_keys.active_by_hash(conn, key_hash)
    if row is None:
        raise Unauthorized("the API key is unknown or revoked")
    principal = Principal(
        key_id=row["id"], name=row["name"], role=row["role"], agent_id=row["agent_id"]
    )
    desk.keys.put(key_hash, principal)
    return principal


def _out(row: ApiKeyRow) -> ApiKeyOut:
    return ApiKeyOut(
        id=row.id,
        name=row.name,
        role=row.role,
        prefix=row.prefix,
        agent_id=row.agent_id,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


async def create_key(desk: Desk, data: ApiKeyCreate, *, now: datetime) -> ApiKeyCreated:
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
        )
    return ApiKeyCreated(**_out(row).model_dump(), key=secret)


async def list_keys(desk: Desk, query: ApiKeyListQuery) -> Page[ApiKeyOut]:
    """Keys in id order, revoked ones too."""
    async with connection(desk.db) as conn:
        rows, next_cursor = await api_keys.page(conn, cursor=query.cursor, limit=query.limit)
    return Page(items=[_out(r) for r in rows], next_cursor=next_cursor)


async def revoke_key(desk: Desk, key_id: int, *, now: datetime) -> ApiKeyOut:
    async with transaction(desk.db) as conn:
        row = await api_keys.revoke(conn, key_id, now)
    if row is None:
        raise NotFound(f"API key {key_id} does not exist")
    desk.keys.clear()
    return _out(row)


async def has_any_key(desk: Desk) -> bool:
    async with connection(desk.db) as conn:
        return await api_keys.any_key(conn)
