"""Customer portal tokens: short-lived, signed, for one customer; minted by admins and
integrations, verified without a database round trip."""

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from app.db import connection
from app.domain.access import CUSTOMER, Principal
from app.errors import NotFound, Unauthorized
from app.schemas.api_keys import CustomerTokenOut
from app.services.desk import Desk
from app.store import customers, service_secrets

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


def _signature(key: bytes, customer_id: int, expires: int) -> str:
    digest = hmac.new(key, f"customer:{customer_id}:{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def is_customer_token(secret: str) -> bool:
    return secret.startswith(TOKEN_PREFIX)


async def mint(desk: Desk, customer_id: int, *, now: datetime) -> CustomerTokenOut:
    """A token for `customer_id`'s portal, valid for settings.customer_token_seconds."""
    async with connection(desk.db) as conn:
        if not await customers.exists(conn, customer_id):
            raise NotFound(f"customer {customer_id} does not exist")
    expires = int(now.timestamp()) + desk.settings.customer_token_seconds
    signature = _signature(await signing_key(desk), customer_id, expires)
    return CustomerTokenOut(
        token=f"{TOKEN_PREFIX}{customer_id}.{expires}.{signature}",
        customer_id=customer_id,
        expires_at=datetime.fromtimestamp(expires, UTC),
    )


async def verify(desk: Desk, token: str, now: datetime) -> Principal:
    """The customer a token stands for; 401 when it is malformed, forged or expired."""
    customer, _, rest = token.removeprefix(TOKEN_PREFIX).partition(".")
    expires, _, signature = rest.partition(".")
    if not (customer.isdigit() and expires.isdigit() and signature) or len(customer) > 18:
        raise Unauthorized("the customer token is malformed")
    customer_id, expiry = int(customer), int(expires)
    wanted = _signature(await signing_key(desk), customer_id, expiry)
    if not hmac.compare_digest(wanted.encode(), signature.encode()):
        raise Unauthorized("the customer token is not one this service signed")
    expires_at = datetime.fromtimestamp(expiry, UTC)
    if now >= expires_at:
        raise Unauthorized(f"the customer token expired at {expires_at.isoformat()}")
    return Principal(
        key_id=0,
        name=f"customer {customer_id}",
        role=CUSTOMER,
        agent_id=None,
        customer_id=customer_id,
        expires_at=expires_at,
    )
