"""Webhook rules: Standard Webhooks signatures, retry backoff with jitter, and which network
addresses a delivery may reach."""

import base64
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Sequence
from random import Random

SECRET_PREFIX = "whsec_"
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: `whsec_` and 24 random bytes, base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret; ValueError when it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a secret starts with {SECRET_PREFIX!r}")
    key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    if len(key) < 16:
        raise ValueError("a secret holds at least 16 bytes")
    return key


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def retry_delay(attempts: int, *, base: float, cap: float, rng: Random) -> float:
    """Seconds before the next attempt after `attempts` failed ones: exponential, capped, with
    "equal jitter" (between half and all of it), so failing receivers are not hit in lockstep."""
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def parse_networks(spec: Sequence[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(n.strip(), strict=False) for n in spec if n.strip())


def address_refusal(address: str, allowed: Sequence[Network]) -> str | None:
    """Why a delivery may not connect to `address` (None: it may). Private, loopback,
    link-local, multicast, reserved and unspecified addresses are refused unless a network
    in `allowed` holds them: a subscription must not reach into the service's own network."""
    ip: Address = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in n for n in allowed):
        return None
    for flag, what in (
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_private, "private"),
        (ip.is_multicast, "multicast"),
        (ip.is_reserved, "reserved"),
    ):
        if flag:
            return f"{address} is a {what} address"
    return None
