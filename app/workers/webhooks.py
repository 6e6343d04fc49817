"""The webhook delivery worker: claims deliveries in commit order (one at a time per ticket and
subscription), POSTs them signed the Standard Webhooks way to the address it resolved and
checked, and records each outcome; retries come back through the timers registry."""

import asyncio
import contextlib
import functools
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable
from random import Random

import httpx
import orjson

from app.clock import Clock
from app.db import listen
from app.domain import webhooks as rules
from app.services import webhooks
from app.services.context import Desk
from app.services.webhooks import Outcome
from app.store.events import WEBHOOKS_CHANNEL
from app.store.webhooks import Claimed
from app.workers.posting import Error, Origin, Poster
from app.workers.timers import Backoff

log = logging.getLogger("helpdesk.webhooks")

# host, port -> the addresses it resolves to (the event loop's getaddrinfo by default).
Resolver = Callable[[str, int], Awaitable[list[str]]]
MAX_CONCURRENT = 32  # attempts in flight per worker
KEPT_TARGETS = 1024  # URLs parsed and addresses checked, kept for the next deliveries


async def system_resolver(host: str, port: int) -> list[str]:
    with contextlib.suppress(ValueError):
        return [str(ipaddress.ip_address(host))]  # an address: nothing to resolve
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@functools.lru_cache(KEPT_TARGETS)
def _target(url: str) -> httpx.URL | str:
    """`url` parsed, or why it cannot be delivered to."""
    unreachable = webhooks.url_refusal(url)
    return httpx.URL(url) if unreachable is None else unreachable


def body_of(d: Claimed) -> bytes:
    """What the receiver gets: Standard Webhooks' `{type, timestamp, data}`."""
    return orjson.dumps(
        {
            "type": d.event_type,
            "timestamp": d.occurred_at.isoformat(),
            "data": {**d.payload, "event_id": d.event_id},
        }
    )


async def _first_of(events: list[asyncio.Event], *, within: float) -> None:
    """Wait until any of `events` is set, or `within` seconds have passed."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


class WebhookWorker:
    def __init__(
        self,
        desk: Desk,
        clock: Clock,
        client: Poster,
        *,
        batch: int | None = None,
        max_sleep: float = 1.0,
        rng: Random | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.desk = desk
        self.clock = clock
        self.client = client
        self.batch = batch if batch is not None else desk.settings.webhook_batch
        self.max_sleep = max_sleep
        self.rng = rng or Random()
        self.resolver = resolver
        self.allowed = webhooks.allowed_networks(desk)
        self._slots = asyncio.Semaphore(MAX_CONCURRENT)
        # Kept for the next deliveries: a subscription's URL and its address change rarely.
        self._refusal = functools.lru_cache(KEPT_TARGETS)(self._address_refusal)
        self._wake = asyncio.Event()

    async def run_once(self) -> int:
        """One pass: claim, attempt every claimed delivery at once, record the outcomes."""
        claimed = await webhooks.claim(self.desk, self.clock.now(), batch=self.batch)
        if not claimed:
            return 0
        outcomes = await asyncio.gather(*(self._attempt(d) for d in claimed))
        await webhooks.record(self.desk, outcomes, self.clock.now(), self.rng)
        return len(claimed)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set: passes back to back while there is work, else a sleep that a
        NOTIFY (a new event, a released retry) cuts short."""
        listener = asyncio.create_task(self._keep_listening(stop), name="webhook-listener")
        backoff = Backoff()
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    claimed = await self.run_once()
                except Exception:
                    log.warning("webhook pass failed; retrying with backoff", exc_info=True)
                    await _first_of([stop], within=backoff.pause())
                    continue
                backoff.reset()
                if claimed < self.batch:
                    await _first_of([stop, self._wake], within=self.max_sleep)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener

    async def _keep_listening(self, stop: asyncio.Event) -> None:
        backoff = Backoff()
        while not stop.is_set():
            try:
                conn = await listen(self.desk.db.url, WEBHOOKS_CHANNEL, self._wake.set)
            except Exception:
                await _first_of([stop], within=backoff.pause())
                continue
            backoff.reset()
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _, lost=lost: lost.set())  # type: ignore[misc]
            self._wake.set()  # what was notified while nobody listened
            try:
                while not stop.is_set() and not lost.is_set() and not conn.is_closed():
                    await _first_of([stop, lost], within=30)
            finally:
                with contextlib.suppress(Exception):
                    conn.terminate()

    async def _attempt(self, d: Claimed) -> Outcome:
        async with self._slots:
            try:
                return await self._post(d)
            except TimeoutError:
                return Outcome(d, None, "timed out")
            except Error as exc:
                return Outcome(d, None, f"{type(exc).__name__}: {exc}"[:500])
            except Exception as exc:
                # A delivery that cannot even be attempted (a URL stored before it was
                # checked, a secret that is no key) fails on its own, retried or dead like any
                # failure: never the pass, which would hold back every other subscription.
                log.warning(
                    "webhook delivery cannot be attempted",
                    extra={"delivery_id": d.id, "error": f"{type(exc).__name__}: {exc}"[:200]},
                )
                return Outcome(d, None, f"cannot be attempted: {type(exc).__name__}: {exc}"[:500])

    def _address_refusal(self, address: str) -> str | None:
        """Why the worker may not connect to `address` (None: it may)."""
        return rules.address_refusal(address, self.allowed)

    async def _post(self, d: Claimed) -> Outcome:
        url = _target(d.url)
        if isinstance(url, str):
            return Outcome(d, None, f"cannot be attempted: the URL {url}"[:500])
        port = url.port or (443 if url.scheme == "https" else 80)
        # Resolved once, checked, and connected to by address: a name that resolves to a
        # public address for the check cannot point the connection elsewhere (DNS rebinding).
        addresses = await self.resolver(url.host, port)
        if not addresses:
            return Outcome(d, None, f"{url.host} does not resolve")
        address = addresses[0]
        refusal = self._refusal(address)
        if refusal is not None:
            return Outcome(d, None, f"refused: {refusal}")
        body = body_of(d)
        message_id = f"evt_{d.event_id}"
        timestamp = int(self.clock.now().timestamp())
        headers = [
            ("host", url.netloc.decode()),
            ("content-type", "application/json"),
            ("user-agent", "helpdesk-webhooks/1"),
            ("webhook-id", message_id),
            ("webhook-timestamp", str(timestamp)),
            ("webhook-signature", rules.signature(d.secret, message_id, timestamp, body)),
        ]
        reply = await self.client.post(
            Origin(url.scheme, address, port, url.host),
            url.raw_path.decode("ascii"),
            headers,
            body,
            within=self.desk.settings.webhook_timeout_seconds,
        )
        if 200 <= reply.status < 300:
            return Outcome(d, reply.status, None)
        return Outcome(d, reply.status, f"HTTP {reply.status}: {reply.text[:200]}")


async def deliver(desk: Desk, clock: Clock, stop: asyncio.Event) -> None:
    """Run a delivery worker with an HTTP client of its own until `stop` is set (what `helpdesk
    serve` and `helpdesk worker` run beside the timer worker). No redirects are followed (a
    3xx is a failed attempt) and no proxy: the connection goes to the address that was checked."""
    # The certificate authorities httpx trusts (certifi's), not the environment's settings.
    tls = httpx.create_ssl_context(trust_env=False)
    async with Poster(idle_per_origin=MAX_CONCURRENT, tls=tls) as client:
        await WebhookWorker(desk, clock, client).run(stop)
