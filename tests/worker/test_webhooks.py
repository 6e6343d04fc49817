"""Webhook delivery against a real HTTP receiver on 127.0.0.1: every event arrives once, signed
the Standard Webhooks way, in order per ticket; failures are retried (timers of the registry)
with backoff until they succeed or the delivery is dead."""

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from random import Random
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from app.clock import utcnow
from app.db import connect, transaction
from app.domain.webhooks import new_secret
from app.main import create_app
from app.schemas import ApiKeyCreate
from app.services import auth, webhooks
from app.services.context import Desk
from app.settings import Settings
from app.workers.posting import Poster
from app.workers.timers import TimerWorker
from app.workers.webhooks import WebhookWorker
from tests.api.factories import compose_email, log, make_ticket, make_webhook, patch, send_email
from tests.fakes import FakeClock
from tests.worker.receiver import Receiver

MAX_ATTEMPTS = 4


@dataclass
class Delivering:
    client: httpx.AsyncClient  # the API, as an admin
    clock: FakeClock
    deadlines: TimerWorker
    webhooks: WebhookWorker
    desk: Desk

    async def until_settled(self, step_seconds: float = 1.0, passes: int = 400) -> None:
        """Run both workers, moving the fake clock on whenever nothing is left to do now,
        until no delivery is pending, sending or waiting for a retry."""
        for _ in range(passes):
            await self.deadlines.run_once()  # fires the retry timers that are due
            sent = await self.webhooks.run_once()
            counts = await _counts(self.desk)
            if (
                not counts.get("pending")
                and not counts.get("retrying")
                and not counts.get("sending")
            ):
                return
            if not sent:
                self.clock.advance(seconds=step_seconds)
        raise AssertionError(f"deliveries still under way: {await _counts(self.desk)}")


async def _counts(desk: Desk) -> dict[str, int]:
    return await webhooks.counts(desk)


@pytest.fixture
async def delivering(fresh_database: str) -> AsyncIterator[Delivering]:
    db = await connect(fresh_database)
    settings = Settings(
        database_url=fresh_database,
        rate_limit_per_minute=0,
        webhook_allowed_networks=["127.0.0.0/8"],
        webhook_max_attempts=MAX_ATTEMPTS,
        webhook_backoff_seconds=1.0,
        webhook_backoff_max_seconds=8.0,
        webhook_timeout_seconds=5.0,
    )
    desk = Desk.of(db, settings)
    # Near the real time: receivers check the signed timestamp against their own clock.
    clock = FakeClock(utcnow())
    app = create_app(settings, db=db, clock=clock)
    key = await auth.create_key(desk, ApiKeyCreate(name="admin", role="admin"), now=utcnow())
    api = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {key.key}"},
    )
    async with Poster() as http:
        yield Delivering(
            api,
            clock,
            TimerWorker(desk, clock),
            WebhookWorker(desk, clock, http, rng=Random(7)),
            desk,
        )
    await api.aclose()
    await db.close()


async def _changes(client: httpx.AsyncClient, tickets: int) -> None:
    """Three or more events per ticket: created, a status change, an interaction."""
    for _ in range(tickets):
        ticket = await make_ticket(client)
        await patch(client, f"/v1/tickets/{ticket['id']}", status="open")
        await log(client, ticket["id"], direction="inbound", author_type="customer", body="hi")


def _verified(received: Any, secret: str) -> dict[str, Any]:
    payload: dict[str, Any] = Webhook(secret).verify(received.body, received.headers)
    return payload


async def test_every_event_arrives_once_signed_and_in_order_per_ticket(
    delivering: Delivering,
) -> None:
    async with Receiver(fail_first=5) as receiver:
        hooks = [
            await make_webhook(
                delivering.client,
                url=f"{receiver.url}/hook/{n}",
                event_types=["ticket.created", "ticket.status_changed", "interaction.added"],
            )
            for n in (1, 2)
        ]
        await _changes(delivering.client, tickets=4)
        await delivering.until_settled()
    events = (await delivering.client.get("/v1/events", params={"limit": 200})).json()["items"]
    wanted = [e for e in events if e["type"] != "ticket.updated"]
    assert len(wanted) == 12
    secrets = {f"/hook/{n}": h["secret"] for n, h in zip((1, 2), hooks, strict=True)}
    got: dict[str, list[int]] = defaultdict(list)
    for r in receiver.delivered():
        body = _verified(r, secrets[r.path])
        assert r.headers["webhook-id"] == f"evt_{body['data']['event_id']}"
        got[r.path].append(body["data"]["event_id"])
    for path in secrets:
        assert sorted(got[path]) == sorted(e["id"] for e in wanted)  # each once
    # Order per ticket and subscription, failed attempts included: never event N+1 before N.
    asked: dict[tuple[str, int], list[int]] = defaultdict(list)
    for r in receiver.requests:
        data = json.loads(r.body)["data"]
        asked[(r.path, data["ticket_id"])].append(data["event_id"])
    assert all(ids == sorted(ids) for ids in asked.values()), asked
    assert len(receiver.requests) == 24 + 5  # the five failures were retried once each
    deliveries = (await delivering.client.get(f"/v1/webhooks/{hooks[0]['id']}/deliveries")).json()[
        "items"
    ]
    assert {d["status"] for d in deliveries} == {"delivered"}
    assert max(d["attempts"] for d in deliveries) == 2


async def test_a_receiver_that_never_recovers_ends_dead_then_can_be_redelivered(
    delivering: Delivering,
) -> None:
    async with Receiver(fail_first=-1) as receiver:
        hook = await make_webhook(delivering.client, url=f"{receiver.url}/down")
        ticket = await make_ticket(delivering.client)
        await delivering.until_settled()
        path = f"/v1/webhooks/{hook['id']}/deliveries"
        [dead] = (await delivering.client.get(path)).json()["items"]
        assert dead["status"] == "dead" and dead["attempts"] == MAX_ATTEMPTS
        assert dead["last_status_code"] == 503 and dead["last_error"].startswith("HTTP 503")
        assert dead["ticket_id"] == ticket["id"]
        assert len(receiver.requests) == MAX_ATTEMPTS
        gaps = [
            int(b.headers["webhook-timestamp"]) - int(a.headers["webhook-timestamp"])
            for a, b in zip(receiver.requests, receiver.requests[1:], strict=False)
        ]
        assert gaps == sorted(gaps) and gaps[-1] > gaps[0]  # backing off

        receiver.fail_first = 0  # it recovers; an operator sends it again
        again = await delivering.client.post(f"{path}/{dead['id']}/redeliver")
        assert again.status_code == 200 and again.json()["status"] == "pending"
        await delivering.until_settled()
        [done] = (await delivering.client.get(path)).json()["items"]
        assert done["status"] == "delivered" and done["attempts"] == 1
        assert _verified(receiver.delivered()[0], hook["secret"])["type"] == "ticket.created"


async def test_a_dead_delivery_no_longer_holds_back_its_ticket(delivering: Delivering) -> None:
    async with Receiver(fail_first=MAX_ATTEMPTS) as receiver:
        await make_webhook(
            delivering.client,
            url=f"{receiver.url}/h",
            event_types=["ticket.created", "interaction.added"],
        )
        ticket = await make_ticket(delivering.client)
        await log(delivering.client, ticket["id"])
        await delivering.until_settled()
    ids = [json.loads(r.body)["data"]["event_id"] for r in receiver.requests]
    first, second = sorted(set(ids))
    assert ids == [first] * MAX_ATTEMPTS + [second]


async def test_a_name_resolving_to_a_private_address_is_refused_at_delivery(
    delivering: Delivering,
) -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["10.20.30.40"]  # the name is public; the address it resolves to is not

    delivering.webhooks.resolver = resolver
    hook = await make_webhook(delivering.client, url="https://hooks.example.com/x")
    await make_ticket(delivering.client)
    await delivering.until_settled()
    [dead] = (await delivering.client.get(f"/v1/webhooks/{hook['id']}/deliveries")).json()["items"]
    assert dead["status"] == "dead"
    assert dead["last_error"] == "refused: 10.20.30.40 is a private address"


async def test_the_running_worker_is_woken_by_a_new_event(delivering: Delivering) -> None:
    async with Receiver() as receiver:
        await make_webhook(delivering.client, url=f"{receiver.url}/live")
        stop = asyncio.Event()
        delivering.webhooks.max_sleep = 30.0  # only a NOTIFY can wake it in time
        running = asyncio.create_task(delivering.webhooks.run(stop))
        try:
            await asyncio.sleep(0.5)  # listening
            await make_ticket(delivering.client)
            for _ in range(100):
                if receiver.delivered():
                    break
                await asyncio.sleep(0.05)
            assert len(receiver.delivered()) == 1
        finally:
            stop.set()
            await asyncio.wait_for(running, 5)


async def test_an_email_exchange_reaches_receivers_without_what_threads_mail(
    delivering: Delivering,
) -> None:
    """A receiver holding a customer's Message-ID or the desk's `[ref:…]` token could write onto
    the ticket as if it were on it: the deliveries carry neither."""
    client = delivering.client
    async with Receiver() as receiver:
        hook = await make_webhook(
            client, url=f"{receiver.url}/mail", event_types=["interaction.added"]
        )
        asked = await send_email(client, compose_email(message_id="<ask@mail.example.com>"))
        ticket_id = asked.json()["ticket_id"]
        reply = (await log(client, ticket_id, body="Which model?"))["email"]
        answer = compose_email(
            message_id="<answer@mail.example.com>",
            in_reply_to=reply["message_id"],
            body=f"An HP 4250.\n\n{reply['reference_token']}",
        )
        assert (await send_email(client, answer)).json()["outcome"] == "appended"
        await delivering.until_settled()
    bodies = [_verified(r, hook["secret"]) for r in receiver.delivered()]
    assert [b["type"] for b in bodies] == ["interaction.added"] * 3
    sent = json.dumps(bodies)
    for mark in ("<ask@", "<answer@", reply["message_id"], reply["reference_token"], "[ref:"):
        assert mark not in sent, mark


# Hosts no delivery can reach, as stored before URLs were checked (the API refuses them now).
POISON_URLS = ("http://xn--a.example/hook", "http://\u2488.com/hook", "http://a.com:99999/x")


async def test_a_subscription_that_cannot_be_delivered_to_fails_alone(
    delivering: Delivering,
) -> None:
    async with transaction(delivering.desk.db) as conn:
        for url in POISON_URLS:
            await conn.execute(
                "INSERT INTO webhook_subscriptions (url, event_types, secret, active, "
                "created_at, updated_at, version) VALUES ($1, $2, $3, true, now(), now(), 1)",
                url,
                ["ticket.created", "interaction.added"],
                new_secret(),
            )
    async with Receiver() as receiver:
        good = await make_webhook(
            delivering.client,
            url=f"{receiver.url}/good",
            event_types=["ticket.created", "interaction.added"],
        )
        for _ in range(3):
            ticket = await make_ticket(delivering.client)
            await log(delivering.client, ticket["id"])
        await delivering.until_settled()
    assert sorted(json.loads(r.body)["type"] for r in receiver.delivered()) == (
        ["interaction.added"] * 3 + ["ticket.created"] * 3
    )
    assert len(receiver.requests) == 6  # each once: the good subscription never failed
    hooks = (await delivering.client.get("/v1/webhooks")).json()["items"]
    for hook in hooks:
        path = f"/v1/webhooks/{hook['id']}/deliveries"
        deliveries = (await delivering.client.get(path)).json()["items"]
        assert len(deliveries) == 6
        if hook["id"] == good["id"]:
            assert {d["status"] for d in deliveries} == {"delivered"}
            continue
        for d in deliveries:
            assert d["status"] == "dead" and d["attempts"] == MAX_ATTEMPTS, d
            assert d["last_error"].startswith("cannot be attempted: "), d
