"""Customer portal tokens: short-lived, signed, for one customer; minted by admins and
integrations, each one a row that can be revoked (one, or all of a customer's). A token is
checked against its row on every request (one primary-key read), so a revocation stops it at
once on every replica; an erased customer is given no new token."""

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from app.db import connection, transaction
from app.domain.access import CUSTOMER, Principal
from app.errors import Conflict, NotFound, Unauthorized
from app.schemas.api_keys import CustomerTokenOut, CustomerTokensRevoked
from app.services.context import Desk
from app.store import customer_tokens as store
from app.store import customers, service_secrets
from app.store import privacy as erasures

TOKEN_PREFIX = "hdc_"
SECRET_NAME = "customer_tokens"


async def signing_key(desk: Desk) -> bytes:
    """HELPDESK_SECRET_KEY, else the random secret stored once in the database (the same for
    every replica): read once per app, then remembered."""
    if desk.settings.secret_key:
        return desk.settings.secret_key.encode()
    if desk.token_key is None:
        async with connection(desk.db) as conn:
            stored = await service_secrets.get_or_make(conn, SECRET_NAME, secrets.token_urlsafe(48))
        desk.token_key = stored.encode()
    return desk.token_key


def _signature(key: bytes, customer_id: int, token_id: int, expires: int) -> str:
    message = f"customer:{customer_id}:{token_id}:{expires}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def is_customer_token(secret: str) -> bool:
    return secret.startswith(TOKEN_PREFIX)


def _erased(customer_id: int) -> Conflict:
    return Conflict(
        f"customer {customer_id} was erased: an erased customer stays erased",
        reason="customer_erased",
    )


async def mint(
    desk: Desk, customer_id: int, *, actor: Principal, now: datetime
) -> CustomerTokenOut:
    """A token for `customer_id`'s portal, valid for settings.customer_token_seconds; 409 for
    an erased customer. The row it is written to is the audit log's record of the minting."""
    key = await signing_key(desk)
    expires = int(now.timestamp()) + desk.settings.customer_token_seconds
    expires_at = datetime.fromtimestamp(expires, UTC)
    async with transaction(desk.db) as conn:
        if await customers.lock(conn, customer_id) is None:
            raise NotFound(f"customer {customer_id} does not exist")
        if await erasures.customer_erasure(conn, customer_id) is not None:
            raise _erased(customer_id)
        row = await store.insert(
            conn, customer_id, now, expires_at, actor.key_id if actor.key_id > 0 else None
        )
    signature = _signature(key, customer_id, row.id, expires)
    return CustomerTokenOut(
        token=f"{TOKEN_PREFIX}{customer_id}.{row.id}.{expires}.{signature}",
        token_id=row.id,
        customer_id=customer_id,
        expires_at=expires_at,
    )


async def revoke(
    desk: Desk, customer_id: int, token_id: int | None, *, now: datetime
) -> CustomerTokensRevoked:
    """Revoke one of the customer's tokens (`token_id`), or every one still usable (None):
    they stop working at once, on every replica. Revoking a revoked or expired token again
    changes nothing."""
    async with transaction(desk.db) as conn:
        if not await customers.exists(conn, customer_id):
            raise NotFound(f"customer {customer_id} does not exist")
        if token_id is not None:
            found = await store.get(conn, token_id)
            if found is None or found.customer_id != customer_id:
                raise NotFound(f"customer {customer_id} has no token {token_id}")
        revoked = await store.revoke(conn, customer_id, token_id, now)
    return CustomerTokensRevoked(
        customer_id=customer_id, revoked_token_ids=[r.id for r in revoked], revoked_at=now
    )


async def verify(desk: Desk, token: str, now: datetime) -> Principal:
    """The customer a token stands for; 401 when it is malformed, forged, expired or revoked."""
    parts = token.removeprefix(TOKEN_PREFIX).split(".")
    if len(parts) != 4 or not all(p.isdigit() for p in parts[:3]) or not parts[3]:
        raise Unauthorized("the customer token is malformed")
    if any(len(p) > 18 for p in parts[:3]):
        raise Unauthorized("the customer token is malformed")
    customer_id, token_id, expiry = int(parts[0]), int(parts[1]), int(parts[2])
    wanted = _signature(await signing_key(desk), customer_id, token_id, expiry)
    if not hmac.compare_digest(wanted.encode(), parts[3].encode()):
        raise Unauthorized("the customer token is not one this service signed")
    expires_at = datetime.fromtimestamp(expiry, UTC)
    if now >= expires_at:
        raise Unauthorized(f"the customer token expired at {expires_at.isoformat()}")
    # Every request, never from a cache: a revocation must hold on every replica at once.
    async with connection(desk.db) as conn:
        row = await store.get(conn, token_id)
    if row is None or row.customer_id != customer_id or row.revoked_at is not None:
        raise Unauthorized("the customer token was revoked")
    return Principal(
        key_id=0,
        name=f"customer {customer_id}",
        role=CUSTOMER,
        agent_id=None,
        customer_id=customer_id,
        expires_at=expires_at,
    )
