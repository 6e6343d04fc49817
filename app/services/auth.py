"""API keys: creation (the secret shown once, only its hash stored), verification, and what each role may do."""

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.db import raw_connection
from app.errors import Forbidden, NotFound, Unauthorized
from app.models import Agent, ApiKey
from app.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut

Capability = Literal["read", "write", "manage", "import_history", "configure"]

# What a role may do. viewer reads; integration writes tickets but manages nothing; only admin
# manages keys, teams, agents and configuration.
CAPABILITIES: dict[str, frozenset[Capability]] = {
    "admin": frozenset({"read", "write", "manage", "import_history", "configure"}),
    "supervisor": frozenset({"read", "write"}),
    "agent": frozenset({"read", "write"}),
    "integration": frozenset({"read", "write", "import_history"}),
    "viewer": frozenset({"read"}),
}

KEY_PREFIX = "hd_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the API key, its role and the agent it acts as (if any)."""

    key_id: int
    name: str
    role: str
    agent_id: int | None

    def can(self, capability: Capability) -> bool:
        return capability in CAPABILITIES.get(self.role, frozenset())

    def demand(self, capability: Capability) -> None:
        if not self.can(capability):
            raise Forbidden(f"the role '{self.role}' may not {capability.replace('_', ' ')}")


def hash_key(secret: str) -> str:
    # API keys are 256-bit random, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class KeyCache:
    """Verified keys remembered for a few seconds, so a request costs no extra round trip.

    A revoked key stops working on this replica within `ttl` seconds."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, key_hash: str) -> Principal | None:
        entry = self._entries.get(key_hash)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key_hash: str, principal: Principal) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[key_hash] = (time.monotonic() + self.ttl, principal)

    def clear(self) -> None:
        self._entries.clear()


async def authenticate(engine: AsyncEngine, secret: str | None, cache: KeyCache) -> Principal:
    """The caller behind `secret`: from the cache, else one query on a leased connection (every
    request authenticates, so this path stays off the ORM)."""
    if not secret:
        raise Unauthorized("send 'Authorization: Bearer <api key>'")
    key_hash = hash_key(secret)
    cached = cache.get(key_hash)
    if cached is not None:
        return cached
    async with raw_connection(engine) as conn:
        row = await conn.fetchrow(
            "SELECT id, name, role, agent_id FROM api_keys"
            " WHERE key_hash = $1 AND revoked_at IS NULL",
            key_hash,
        )
    if row is None:
        raise Unauthorized("the API key is unknown or revoked")
    principal = Principal(
        key_id=row["id"], name=row["name"], role=row["role"], agent_id=row["agent_id"]
    )
    cache.put(key_hash, principal)
    return principal


def _key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut.model_validate(key, from_attributes=True)


async def create_key(db: AsyncSession, data: ApiKeyCreate, *, now: datetime) -> ApiKeyCreated:
    secret = new_secret()
    async with db.begin():
        if data.agent_id is not None and await db.get(Agent, data.agent_id) is None:
            raise NotFound(f"agent {data.agent_id} does not exist", field="agent_id")
        key = ApiKey(
            name=data.name,
            role=data.role,
            prefix=secret[:10],
            key_hash=hash_key(secret),
            agent_id=data.agent_id,
            created_at=now,
        )
        db.add(key)
        await db.flush()
    return ApiKeyCreated(**_key_out(key).model_dump(), key=secret)


async def list_keys(db: AsyncSession) -> list[ApiKeyOut]:
    async with db.begin():
        keys = (await db.scalars(select(ApiKey).order_by(ApiKey.id))).all()
    return [_key_out(k) for k in keys]


async def revoke_key(db: AsyncSession, key_id: int, *, now: datetime, cache: KeyCache) -> ApiKeyOut:
    async with db.begin():
        key = await db.get(ApiKey, key_id, with_for_update=True)
        if key is None:
            raise NotFound(f"API key {key_id} does not exist")
        if key.revoked_at is None:
            key.revoked_at = now
    cache.clear()
    return _key_out(key)


async def has_any_key(db: AsyncSession) -> bool:
    async with db.begin():
        return (await db.scalar(select(ApiKey.id).limit(1))) is not None
