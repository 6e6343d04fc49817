"""Webhook subscriptions (admin), their deliveries, and what the delivery worker records: each
attempt's claim and outcome, retries as timers of the registry, dead after the last attempt."""

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

import httpx

from app.db import Connection, connection, transaction
from app.domain import webhooks as rules
from app.domain.access import Principal
from app.domain.sla import TimerSpec
from app.errors import Conflict, NotFound
from app.schemas import Page
from app.schemas.events import (
    DeliveryListQuery,
    DeliveryOut,
    WebhookCreate,
    WebhookCreated,
    WebhookListQuery,
    WebhookOut,
    WebhookUpdate,
)
from app.services import audit, idempotency, if_match, timers
from app.services.context import Desk
from app.services.idempotency import Written
from app.services.tickets.shapes import invalid
from app.store import webhooks as store
from app.store.events import DESK
from app.store.timers import Claimed as ClaimedTimer
from app.store.webhooks import Claimed, DeliveryRow, Failure, SubscriptionRow

# The registry's kind name (app/services/timers.py names its handler: `release_retries`).
WEBHOOK_RETRY = timers.WEBHOOK_RETRY
MAX_ERROR = 500  # characters of a receiver's error kept on the delivery


def _out(row: SubscriptionRow) -> WebhookOut:
    return WebhookOut(
        id=row.id,
        url=row.url,
        event_types=row.event_types,  # type: ignore[arg-type]
        active=row.active,
        description=row.description,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


# A host as DNS names it once IDNA-encoded: dot-separated labels of letters, digits, hyphens
# (and underscores, which DNS carries), 63 characters each, 253 in all.
_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")
MAX_HOST = 253


def url_refusal(url: str) -> str | None:
    """Why `url` cannot be delivered to, whatever it resolves to (None: it can): an http(s)
    URL whose host is an IP address or a valid IDNA name, with a port in range. What the
    delivery worker parses, parsed the same way (httpx), so a stored URL always parses there."""
    try:
        parsed = httpx.URL(url)
        port, name = parsed.port, parsed.host  # the host is decoded (IDNA) when first read
    except Exception as exc:  # httpx and idna raise several families for a bad URL
        return f"is not a URL a delivery can reach: {exc}"
    if parsed.scheme not in ("http", "https"):
        return "must be an http or https URL"
    if port is not None and not 0 < port < 65536:
        return f"port {port} is out of range"
    host = parsed.raw_host.decode("ascii", "replace")
    if not host:
        return "names no host"
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    labels = host.removesuffix(".").split(".")
    if len(host) > MAX_HOST or not all(_LABEL.fullmatch(label) for label in labels):
        return f"host {name!r} is not a valid (IDNA) host name"
    return None


def _check_url(url: str, desk: Desk) -> None:
    """A target that cannot be reached is refused at once; one named by an address is checked
    at once too, a name at each delivery (its address may change), as `address_refusal` says."""
    refusal = url_refusal(url)
    if refusal is not None:
        raise invalid("url", refusal)
    host = httpx.URL(url).host
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return
    refusal = rules.address_refusal(host, allowed_networks(desk))
    if refusal is not None:
        raise invalid("url", f"{refusal}; deliveries there are refused")


def _check_secret(secret: str) -> None:
    try:
        rules.secret_key(secret)
    except ValueError as exc:
        raise invalid("secret", str(exc)) from None


def allowed_networks(desk: Desk) -> tuple[rules.Network, ...]:
    return rules.parse_networks(desk.settings.webhook_allowed_networks)


async def create(
    desk: Desk,
    data: WebhookCreate,
    *,
    actor: Principal,
    now: datetime,
    idempotency_key: str | None,
) -> Written[WebhookCreated]:
    _check_url(data.url, desk)
    secret = data.secret or rules.new_secret()
    _check_secret(secret)

    async def work(conn: Connection) -> Written[WebhookCreated]:
        row = await store.insert(
            conn,
            url=data.url,
            event_types=sorted(set(data.event_types)),
            secret=secret,
            active=data.active,
            description=data.description,
            now=now,
        )
        return Written(WebhookCreated(**_out(row).model_dump(), secret=row.secret))

    return await idempotency.run(
        desk, actor, idempotency_key, "webhooks.create", data, work, now=now
    )


def _missing(subscription_id: int) -> NotFound:
    return NotFound(f"webhook subscription {subscription_id} does not exist")


async def get(desk: Desk, subscription_id: int) -> WebhookOut:
    async with connection(desk.db) as conn:
        row = await store.get(conn, subscription_id)
    if row is None:
        raise _missing(subscription_id)
    return _out(row)


async def list_subscriptions(desk: Desk, query: WebhookListQuery) -> Page[WebhookOut]:
    async with connection(desk.db) as conn:
        rows, next_cursor = await store.page(conn, limit=query.limit, cursor=query.cursor)
    return Page(items=[_out(r) for r in rows], next_cursor=next_cursor)


async def update(
    desk: Desk, subscription_id: int, data: WebhookUpdate, *, expected_version: int, now: datetime
) -> WebhookOut:
    given = data.model_dump(exclude_unset=True)
    if "url" in given:
        _check_url(given["url"], desk)
    if "secret" in given:
        _check_secret(given["secret"])
    if "event_types" in given:
        given["event_types"] = sorted(set(given["event_types"]))
    async with transaction(desk.db) as conn:
        row = await store.get(conn, subscription_id, lock=True)
        if row is None:
            raise _missing(subscription_id)
        if_match.check(f"webhook subscription {subscription_id}", row.version, expected_version)
        changes = {k: v for k, v in given.items() if getattr(row, k) != v}
        if changes:
            row = await store.update(conn, subscription_id, changes, now)
    return _out(row)


async def delete(desk: Desk, subscription_id: int) -> None:
    """The subscription and its deliveries are gone; its events stay in the feed."""
    async with transaction(desk.db) as conn:
        if not await store.delete(conn, subscription_id):
            raise _missing(subscription_id)


def delivery_out(row: DeliveryRow) -> DeliveryOut:
    return DeliveryOut(
        id=row.id,
        subscription_id=row.subscription_id,
        event_id=row.event_id,
        event_type=row.event_type,  # type: ignore[arg-type]
        ticket_id=None if row.ticket_id == DESK else row.ticket_id,
        status=row.status,  # type: ignore[arg-type]
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_attempt_at=row.last_attempt_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
    )


async def list_deliveries(
    desk: Desk, subscription_id: int, query: DeliveryListQuery
) -> Page[DeliveryOut]:
    """Newest first, with status, attempts and the last error."""
    async with connection(desk.db) as conn:
        if await store.get(conn, subscription_id) is None:
            raise _missing(subscription_id)
        rows, next_cursor = await store.deliveries(
            conn, subscription_id, status=query.status, limit=query.limit, cursor=query.cursor
        )
    return Page(items=[delivery_out(r) for r in rows], next_cursor=next_cursor)


async def redeliver(desk: Desk, subscription_id: int, delivery_id: int) -> DeliveryOut:
    """Send a delivery again from its first attempt (a dead one, or one delivered that the
    receiver lost); one still under way is refused with 409."""
    async with transaction(desk.db) as conn:
        status = await store.delivery_status(conn, subscription_id, delivery_id)
        if status is None:
            raise NotFound(f"delivery {delivery_id} of webhook {subscription_id} does not exist")
        if status not in ("delivered", "dead"):
            raise Conflict(f"delivery {delivery_id} is {status}: it is still being delivered")
        row = await store.redeliver(conn, subscription_id, delivery_id)
        assert row is not None
        await audit.redelivered(conn, row.id, None if row.ticket_id == DESK else row.ticket_id)
    return delivery_out(row)


# ---- what the delivery worker records --------------------------------------------------------


async def claim(desk: Desk, now: datetime, *, batch: int) -> list[Claimed]:
    """Take up to `batch` deliveries for an attempt each (see `store.webhooks.claim`)."""
    lease = timedelta(seconds=desk.settings.webhook_timeout_seconds * 2 + 30)
    async with transaction(desk.db) as conn:
        return await store.claim(conn, now, batch, lease)


@dataclass(frozen=True)
class Outcome:
    delivery: Claimed
    status_code: int | None  # None: no response (refused, unreachable, timed out)
    error: str | None  # None: delivered

    @property
    def delivered(self) -> bool:
        return self.error is None


async def record(desk: Desk, outcomes: Sequence[Outcome], now: datetime, rng: Random) -> None:
    """Record a pass's attempts in one transaction: delivered; or retrying, with its retry
    timer armed; or dead after the last allowed attempt."""
    settings = desk.settings
    delivered = [
        (o.delivery.id, o.delivery.attempts, o.status_code or 0) for o in outcomes if o.delivered
    ]
    failures = []
    for o in outcomes:
        if o.delivered:
            continue
        last = o.delivery.attempts >= settings.webhook_max_attempts
        delay = rules.retry_delay(
            o.delivery.attempts,
            base=settings.webhook_backoff_seconds,
            cap=settings.webhook_backoff_max_seconds,
            rng=rng,
        )
        failures.append(
            Failure(
                id=o.delivery.id,
                attempts=o.delivery.attempts,
                status="dead" if last else "retrying",
                next_attempt_at=None if last else now + timedelta(seconds=delay),
                status_code=o.status_code,
                # A text column holds no NUL: an error quoting a hostile URL must still record.
                error=(o.error or "").replace("\x00", "\ufffd")[:MAX_ERROR],
            )
        )
    ticket_of = {o.delivery.id: o.delivery.ticket_id for o in outcomes}
    async with transaction(desk.db) as conn:
        await store.mark_delivered(conn, delivered, now)
        recorded = await store.mark_failed(conn, failures)
        for f in failures:
            if f.id not in recorded or f.next_attempt_at is None:
                continue
            if ticket_of[f.id] == DESK:  # a desk event's: a timer about the desk's deliveries
                await timers.schedule_subject(
                    conn,
                    WEBHOOK_RETRY,
                    DESK,
                    f.next_attempt_at,
                    now=now,
                    wake_within=settings.worker_max_sleep_seconds,
                )
            else:
                await timers.schedule(
                    conn,
                    ticket_of[f.id],
                    [TimerSpec(WEBHOOK_RETRY, f.next_attempt_at)],
                    now=now,
                    wake_within=settings.worker_max_sleep_seconds,
                )


async def release_retries(
    conn: Connection, due: list[ClaimedTimer], now: datetime, desk: Desk
) -> int:
    """The handler of `webhook_retry` timers: the ticket's (or the desk's) deliveries waiting
    for this moment may be claimed again."""
    groups = [t.ticket_id if t.ticket_id is not None else DESK for t in due]
    return await store.release_retries(conn, groups, now)


async def counts(desk: Desk) -> dict[str, int]:
    async with connection(desk.db) as conn:
        return await store.counts(conn)
