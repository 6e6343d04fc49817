"""The customer's portal: a customer token gets its tickets and their public messages in the
customer's own shapes, searches only what those shapes show, and never sees what agents wrote
for each other."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.domain.access import PORTAL_OPERATIONS
from app.routers.events import WIRE
from app.schemas.portal import CustomerInteractionOut, CustomerTicketOut
from app.services.event_stream import EventStreams, StreamLimits, Wire
from app.store.events import cursor_after
from tests.api.conftest import client_for
from tests.api.factories import (
    answer_survey,
    created,
    escalate,
    log,
    make_agent,
    make_customer,
    make_team,
    make_ticket,
    patch,
)
from tests.fakes import FakeClock


async def portal_token(client: httpx.AsyncClient, customer_id: int) -> str:
    minted = await client.post(f"/v1/customers/{customer_id}/tokens")
    assert minted.status_code == 201, minted.text
    return str(minted.json()["token"])


def note(**fields: Any) -> dict[str, Any]:
    return {"kind": "note", "direction": "internal", "public": False} | fields


async def test_the_portal_shows_no_priority_reason_routing_team_counts_or_sla(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    customer = await make_customer(client)
    first, second = await make_team(client), await make_team(client)
    ticket = await make_ticket(client, customer_id=customer["id"], team_id=first["id"])
    path = f"/v1/tickets/{ticket['id']}"
    overridden = await patch(
        client,
        path,
        priority="low",
        priority_reason="INTERNAL: customer is a known time-waster",
    )
    assert overridden.status_code == 200, overridden.text
    await created(
        await escalate(
            client,
            ticket["id"],
            "transfer",
            to_team_id=second["id"],
            reason="INTERNAL: they shout at the first line",
        )
    )
    await log(client, ticket["id"], **note(body="keep it short with this one"))
    await log(client, ticket["id"], body="We are looking into it")

    agents_view = (await client.get(path)).json()
    assert "time-waster" in agents_view["priority_reason"]
    assert "shout" in agents_view["routing"]["reason"]
    assert agents_view["interaction_count"] >= 2

    async with client_for(app, await portal_token(client, customer["id"])) as portal:
        read = await portal.get(path)
        listed = (await portal.get("/v1/tickets")).json()["items"]
    assert read.status_code == 200, read.text
    body = read.json()
    assert set(body) == set(CustomerTicketOut.model_fields)
    CustomerTicketOut.model_validate(body)
    assert (body["id"], body["subject"], body["status"]) == (
        ticket["id"],
        ticket["subject"],
        agents_view["status"],
    )
    assert [set(item) for item in listed] == [set(CustomerTicketOut.model_fields)]
    assert listed[0] == body
    for text in (read.text, str(listed)):
        for internal in ("time-waster", "shout", "keep it short", "priority", "routing"):
            assert internal not in text
        for field in ("team_id", "tier", "interaction_count", "sla", "assignee_id", "tags"):
            assert f'"{field}"' not in text and f"'{field}'" not in text
    assert "ETag" not in read.headers


async def test_portal_search_matches_public_messages_never_internal_notes(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    customer = await make_customer(client)
    ticket = await make_ticket(client, customer_id=customer["id"], subject="Card declined")
    await log(client, ticket["id"], **note(body="fraud suspected"))
    await log(client, ticket["id"], body="Your replacement card is on its way")

    async def found(caller: httpx.AsyncClient, text: str) -> list[int]:
        response = await caller.get("/v1/tickets", params={"q": text})
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["items"]]

    assert await found(client, "fraud") == [ticket["id"]]
    assert await found(client, "raud susp") == [ticket["id"]]  # a fragment
    async with client_for(app, await portal_token(client, customer["id"])) as portal:
        assert await found(portal, "fraud") == []
        assert await found(portal, "raud susp") == []
        assert await found(portal, "suspected") == []
        assert await found(portal, "replacement") == [ticket["id"]]
        assert await found(portal, "declined") == [ticket["id"]]


@pytest.mark.parametrize(
    "params",
    [
        {"team_id": "1"},
        {"assignee_id": "1"},
        {"assignee": "none"},
        {"tag": "vip"},
        {"sla_state": "breached"},
        {"priority": "low"},
        {"type": "incident"},
        {"external_id": "x"},
        {"sort": "sla_due_at"},
        {"sort": "-updated_at"},
    ],
)
async def test_a_customer_may_not_filter_or_sort_by_what_agents_decide(
    app, client: httpx.AsyncClient, params: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    customer = await make_customer(client)
    async with client_for(app, await portal_token(client, customer["id"])) as portal:
        refused = await portal.get("/v1/tickets", params=params)
    assert refused.status_code == 403, refused.text
    (name,) = params
    assert [e["field"] for e in refused.json()["errors"]] == [f"query.{name}"]
    assert name in refused.json()["detail"]
    # The same list is an agent's to filter.
    assert (await client.get("/v1/tickets", params=params)).status_code == 200


async def test_a_customer_filters_by_what_their_shape_shows(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    customer = await make_customer(client)
    ticket = await make_ticket(client, customer_id=customer["id"], channel="email")
    await make_ticket(client, customer_id=customer["id"], channel="chat")
    async with client_for(app, await portal_token(client, customer["id"])) as portal:
        listed = await portal.get(
            "/v1/tickets",
            params={
                "status": "new",
                "channel": "email",
                "customer_id": customer["id"],
                "created_after": "2000-01-01T00:00:00Z",
                "sort": "created_at",
                "limit": 10,
            },
        )
    assert listed.status_code == 200, listed.text
    assert [t["id"] for t in listed.json()["items"]] == [ticket["id"]]


async def test_internal_work_does_not_show_in_the_customers_ticket(
    app, client: httpx.AsyncClient, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    """Neither the body nor an ETag of the customer's ticket changes when agents add a note or
    retag it: the agent's version and updated_at would tell the customer that they did."""
    customer = await make_customer(client)
    ticket = await make_ticket(client, customer_id=customer["id"])
    path = f"/v1/tickets/{ticket['id']}"
    async with client_for(app, await portal_token(client, customer["id"])) as portal:
        before = await portal.get(path)
        clock.set(clock.now() + timedelta(minutes=10))
        await log(client, ticket["id"], **note(body="check the contract first"))
        assert (await patch(client, path, tags=["watch"])).status_code == 200
        after = await portal.get(path)
        assert after.json() == before.json()
        assert "ETag" not in after.headers
        clock.set(clock.now() + timedelta(minutes=10))
        await log(client, ticket["id"], body="Fixed, please check")
        answered = (await portal.get(path)).json()
    assert answered["last_activity_at"] == clock.now().isoformat().replace("+00:00", "Z")
    assert answered["status"] == "open"  # moved by the public reply
    agents_view = (await client.get(path)).json()
    assert agents_view["version"] > ticket["version"]


async def test_a_customer_cannot_read_a_message_by_guessing_its_external_id(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    customer = await make_customer(client)
    ticket = await make_ticket(client, customer_id=customer["id"])
    await log(client, ticket["id"], **note(body="refund denied, see policy", external_id="n-1"))
    path = f"/v1/tickets/{ticket['id']}/interactions"
    async with client_for(app, await portal_token(client, customer["id"])) as portal:
        guessed = await portal.post(path, json={"kind": "chat", "body": "hi", "external_id": "n-1"})
        assert guessed.status_code == 409, guessed.text
        assert "refund" not in guessed.text
        first = await portal.post(path, json={"kind": "chat", "body": "hi", "external_id": "c-1"})
        again = await portal.post(path, json={"kind": "chat", "body": "hi", "external_id": "c-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert set(first.json()) == set(CustomerInteractionOut.model_fields)
    assert first.json()["author_type"] == "customer"


# ---- the generic check: planted internal text never reaches a customer token -----------------


async def test_no_text_an_agent_writes_for_agents_reaches_the_customers_portal(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    """A unique marker is planted in every field an agent writes that the customer must not
    see; then every operation a customer token may call is driven (searching for each marker
    too), and no response body or header carries any of them. The same markers are found in
    what agents read, so the check can fail."""
    markers: dict[str, str] = {}

    def mark(field: str) -> str:
        markers[field] = f"secret{uuid.uuid4().hex[:16]}"
        return markers[field]

    customer = await make_customer(client)
    first = await make_team(client, tier=1, name=mark("team name"))
    second = await make_team(client, tier=2, name=mark("escalation team name"))
    third = await make_team(client, tier=1, name=mark("transfer team name"))
    agent = await make_agent(client, team_id=first["id"], name=mark("assignee name"))
    rule = await created(
        await client.post(
            "/v1/routing-rules",
            json={
                "name": mark("routing rule name"),
                "team_id": first["id"],
                "conditions": {"category_prefix": "billing"},
            },
        )
    )
    category = f"billing/{mark('category')}"
    ticket = await make_ticket(
        client,
        customer_id=customer["id"],
        subject="My invoice is wrong",
        category=category,
        tags=[mark("tag")],
        external_id=mark("ticket external id"),
        assignee_id=agent["id"],
    )
    tid = ticket["id"]
    path = f"/v1/tickets/{tid}"
    assert ticket["routing"]["rule_id"] == rule["id"]
    assert (
        await patch(client, path, priority="low", priority_reason=mark("priority reason"))
    ).status_code == 200
    await log(client, tid, **note(body=mark("internal note"), external_id=mark("note id")))
    await log(
        client,
        tid,
        kind="call",
        direction="internal",
        public=False,
        body=mark("internal call"),
    )
    await created(await escalate(client, tid, reason=mark("escalation reason")))
    deescalated = await client.post(
        f"{path}/deescalate", json={"reason": mark("de-escalation reason")}
    )
    assert deescalated.status_code == 201, deescalated.text
    await created(
        await escalate(client, tid, "transfer", to_team_id=third["id"], reason=mark("transfer"))
    )
    await created(
        await client.post(
            f"{path}/callbacks",
            json={"requested_at": "2030-01-01T10:00:00Z", "note": mark("callback note")},
        )
    )
    # A public agent email: its message id and reference token are the desk's, not for the
    # customer's portal (they reach the customer in mail headers, not here).
    reply = await log(client, tid, body="We are looking into it", external_id=mark("mail id"))
    # A file on an internal note (its name a marker), and one the customer was sent.
    hidden = await created(
        await client.post("/v1/attachments", params={"filename": mark("file name")}, content=b"x")
    )
    await log(client, tid, **note(body="the trace", attachment_ids=[hidden["id"]]))
    sent_file = await created(
        await client.post("/v1/attachments", params={"filename": "invoice.pdf"}, content=b"pdf")
    )
    await log(client, tid, body="Your invoice", attachment_ids=[sent_file["id"]])
    if reply.get("email"):
        markers["reply Message-ID"] = reply["email"]["message_id"]

    # Knowledge-base articles the customer must not read: an internal one, a public draft.
    internal_article = await created(
        await client.post(
            "/v1/kb/articles",
            json={
                "title": f"Refund policy {mark('internal article title')}",
                "body": f"Refunds over 500 need a manager: {mark('internal article body')}",
                "language": "en",
                "visibility": "internal",
                "status": "published",
            },
        )
    )
    draft_article = await created(
        await client.post(
            "/v1/kb/articles",
            json={
                "title": f"Invoice corrections {mark('draft article title')}",
                "body": "Not ready yet.",
                "language": "en",
                "visibility": "public",
                "status": "draft",
            },
        )
    )
    public_article = await created(
        await client.post(
            "/v1/kb/articles",
            json={
                "title": "Reading your invoice",
                "body": "Each line of an invoice names the service and the period.",
                "language": "en",
                "visibility": "public",
                "status": "published",
            },
        )
    )

    # What agents read holds every marker: the plants took.
    agents_read = ""
    for agent_path in (
        path,
        f"{path}/interactions",
        f"{path}/escalations",
        f"{path}/callbacks",
        f"/v1/teams/{first['id']}",
        f"/v1/teams/{second['id']}",
        f"/v1/teams/{third['id']}",
        f"/v1/agents/{agent['id']}",
        f"/v1/routing-rules/{rule['id']}",
        f"/v1/kb/articles/{internal_article['id']}",
        f"/v1/kb/articles/{draft_article['id']}",
    ):
        response = await client.get(agent_path)
        assert response.status_code == 200, (agent_path, response.text)
        agents_read += response.text
    assert [f for f, m in markers.items() if m not in agents_read] == []
    searched = await client.get("/v1/tickets", params={"q": markers["internal note"]})
    assert [t["id"] for t in searched.json()["items"]] == [tid]

    async with client_for(app, await portal_token(client, customer["id"])) as portal:
        drivers: dict[str, Callable[[], Awaitable[list[httpx.Response]]]] = {}

        async def tickets_list() -> list[httpx.Response]:
            pages = [await portal.get("/v1/tickets")]
            pages.append(await portal.get("/v1/tickets", params={"q": "invoice"}))
            for marker in markers.values():
                pages.append(await portal.get("/v1/tickets", params={"q": marker}))
                assert pages[-1].json()["items"] == [], marker
            return pages

        async def tickets_get() -> list[httpx.Response]:
            return [await portal.get(path)]

        async def interactions_list() -> list[httpx.Response]:
            return [await portal.get(f"{path}/interactions", params={"public_only": "true"})]

        async def interactions_create() -> list[httpx.Response]:
            sent = await portal.post(
                f"{path}/interactions", json={"kind": "chat", "body": "Any news?"}
            )
            assert sent.status_code == 201, sent.text
            probes = [
                await portal.post(
                    f"{path}/interactions",
                    json={"kind": "email", "body": "again", "external_id": markers[name]},
                )
                for name in ("note id", "mail id")
            ]
            assert [p.status_code for p in probes] == [409, 409]
            return [sent, *probes]

        async def surveys_create() -> list[httpx.Response]:
            return [await portal.post(f"{path}/surveys", json={"kind": "csat", "score": 4})]

        async def kb_articles_list() -> list[httpx.Response]:
            return [await portal.get("/v1/kb/articles")]

        async def kb_articles_get() -> list[httpx.Response]:
            hidden = [
                await portal.get(f"/v1/kb/articles/{a['id']}")
                for a in (internal_article, draft_article)
            ]
            assert [r.status_code for r in hidden] == [404, 404]
            shown = await portal.get(f"/v1/kb/articles/{public_article['id']}")
            assert shown.status_code == 200, shown.text
            return [*hidden, shown]

        searches: list[int] = []

        async def kb_search() -> list[httpx.Response]:
            pages = [await portal.get("/v1/kb/search", params={"q": "invoice"})]
            assert [h["article_id"] for h in pages[0].json()["items"]] == [public_article["id"]]
            searches.append(pages[0].json()["search_id"])
            for query in ("refund policy", "manager", *markers.values()):
                pages.append(await portal.get("/v1/kb/search", params={"q": query}))
                assert pages[-1].json()["items"] == [], query
            return pages

        async def kb_searches_opened() -> list[httpx.Response]:
            opened = await portal.post(
                f"/v1/kb/searches/{searches[0]}/opened", json={"article_id": public_article["id"]}
            )
            assert opened.status_code == 204, opened.text
            return [opened]

        async def attachments_create() -> list[httpx.Response]:
            return [
                await portal.post("/v1/attachments", params={"filename": "a.png"}, content=b"a")
            ]

        async def attachments_download() -> list[httpx.Response]:
            got = [
                await portal.get(f"/v1/attachments/{sent_file['id']}"),
                await portal.get(f"/v1/attachments/{hidden['id']}"),
            ]
            assert [g.status_code for g in got] == [200, 404]
            return got

        async def events_stream() -> list[httpx.Response]:
            # In process a response is read whole, and a stream ends only when its server
            # stops: these streams "stop" once they have made a frame, so the stream sends what
            # its first read finds (every event so far: from the first one) and ends.
            stopping = asyncio.Event()

            def event(cursor: str, type: str, data: str) -> bytes:
                stopping.set()
                return WIRE.event(cursor, type, data)

            wire = Wire(event=event, last_id=WIRE.last_id, heartbeat=WIRE.heartbeat)
            limits = StreamLimits(heartbeat_seconds=0.05)
            before = getattr(app.state, "event_streams", None)
            app.state.event_streams = EventStreams(app.state.desk, limits, stopping, wire=wire)
            try:
                async with asyncio.timeout(20):
                    sent = await portal.get(
                        "/v1/events/stream", params={"cursor": cursor_after(0, 0)}
                    )
            finally:
                app.state.event_streams = before
            assert sent.status_code == 200, sent.text
            assert f'"interaction_id":{reply["id"]}' in sent.text  # the stream read real data
            return [sent]

        for operation in (
            tickets_list,
            tickets_get,
            interactions_list,
            interactions_create,
            surveys_create,
            kb_articles_list,
            kb_articles_get,
            kb_search,
            kb_searches_opened,
            attachments_create,
            attachments_download,
            events_stream,
        ):
            drivers[operation.__name__] = operation
        assert set(drivers) == PORTAL_OPERATIONS, "drive every operation a customer token has"
        for operation_id, drive in drivers.items():
            for response in await drive():
                assert response.status_code < 500, response.text
                shown = response.text + " ".join(f"{k}: {v}" for k, v in response.headers.items())
                leaked = [field for field, marker in markers.items() if marker in shown]
                assert leaked == [], (operation_id, response.request.url, leaked)
        # The customer sees their ticket, with the public messages: the check reads real data.
        public = (await portal.get(f"{path}/interactions", params={"public_only": "true"})).json()
        assert "We are looking into it" in [i["body"] for i in public["items"]]
    assert (await answer_survey(client, tid, kind="nps", score=9))["ticket_id"] == tid
