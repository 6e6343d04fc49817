"""The live event stream over real HTTP: uvicorn on a loopback port, an SSE client parsing the wire,
writers committing concurrently, streams dropped and resumed by `Last-Event-ID` on another server."""

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest

from app.clock import utcnow
from app.db import connect, libpq_url, transaction
from app.domain.access import EVERYTHING, TicketScope, Visibility, sees
from app.domain.events import KB_ARTICLE_PUBLISHED
from app.http.server import Server, ServerLimits, config
from app.main import create_app
from app.routers.events import WIRE
from app.schemas import ApiKeyCreate
from app.schemas.events import EventStreamQuery
from app.schemas.portal import CUSTOMER_EVENT_TYPES, CustomerEventOut
from app.services import auth
from app.services.context import Desk
from app.services.event_stream import Audience, EventStreams, StreamLimits
from app.services.tickets import change
from app.settings import Settings
from app.store.events import cursor_after
from app.store.paging import Params
from app.store.visibility import visible_sql
from tests.api.factories import (
    follow_events,
    log,
    make_agent,
    make_customer,
    make_team,
    make_ticket,
    patch,
)

WAIT = 20.0  # seconds any one expected event may take to arrive before the test fails


@dataclass
class Block:
    """One SSE block as a browser's EventSource parses it."""

    id: str | None = None
    event: str | None = None
    data: list[str] = field(default_factory=list)
    retry: int | None = None
    comments: list[str] = field(default_factory=list)


def _parse(lines: list[str]) -> Block:
    block = Block()
    for line in lines:
        if line.startswith(":"):
            block.comments.append(line[1:].strip())
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id":
            block.id = value
        elif name == "event":
            block.event = value
        elif name == "data":
            block.data.append(value)
        elif name == "retry":
            block.retry = int(value)
    return block


class Stream:
    """An open event stream: its blocks as they arrive, and the last event id (as EventSource
    keeps it: set by every block with an `id:` field, with or without data)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.aiter_lines()
        self.last_id: str | None = None
        self.ended = False
        self.raw: list[str] = []  # every line received, as sent

    async def block(self, within: float = WAIT) -> Block | None:
        """The next block; None when the server ended the stream."""
        pending: list[str] = []
        async with asyncio.timeout(within):
            async for line in self.lines:
                self.raw.append(line)
                if line == "":
                    if pending:
                        block = _parse(pending)
                        if block.id is not None:
                            self.last_id = block.id
                        return block
                    continue
                pending.append(line)
        self.ended = True
        return None

    async def events(self, count: int, within: float = WAIT) -> list[dict[str, Any]]:
        """The next `count` events (their `data`, with the block's id and type)."""
        found: list[dict[str, Any]] = []
        while len(found) < count:
            block = await self.block(within)
            assert block is not None, f"the stream ended after {len(found)} of {count} events"
            if block.data:
                event = httpx.Response(200, content="\n".join(block.data)).json()
                found.append({"sse_id": block.id, "sse_event": block.event} | event)
        return found


async def until(condition: Callable[[], bool]) -> None:
    """Until `condition` holds (a count the server keeps), at most WAIT seconds."""
    async with asyncio.timeout(WAIT):
        while not condition():  # noqa: ASYNC110 (a count, not an event)
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def stream(
    client: httpx.AsyncClient, last_event_id: str | None = None, **params: Any
) -> AsyncIterator[Stream]:
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    async with client.stream("GET", "/v1/events/stream", params=params, headers=headers) as r:
        assert r.status_code == 200, (await r.aread()).decode()
        assert r.headers["content-type"].startswith("text/event-stream")
        yield Stream(r)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Served:
    """The app served by uvicorn on a loopback port, over its own pool to `url`."""

    url: str
    settings: Settings
    port: int = 0
    server: Server | None = None
    task: asyncio.Task[None] | None = None
    app: Any = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.app = create_app(self.settings, database_url=self.url)
        self.port = _free_port()
        self.server = Server(
            config(self.app, host="127.0.0.1", port=self.port, limits=ServerLimits())
        )
        self.task = asyncio.create_task(self.server.serve())
        async with asyncio.timeout(WAIT):
            while not self.server.started:  # noqa: ASYNC110 (uvicorn offers a flag, not an event)
                await asyncio.sleep(0.01)
            while not self.app.state.event_streams.listening.is_set():  # noqa: ASYNC110
                await asyncio.sleep(0.01)

    async def stop(self) -> None:
        assert self.server is not None and self.task is not None
        self.server.should_exit = True
        async with asyncio.timeout(WAIT):  # open streams end at once: nothing holds it up
            await self.task

    async def key(self, role: str = "admin", agent_id: int | None = None) -> str:
        created = await auth.create_key(
            self.app.state.desk,
            ApiKeyCreate(name=f"{role} key", role=role, agent_id=agent_id),  # type: ignore[arg-type]
            now=utcnow(),
        )
        return created.key

    def client(self, secret: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base,
            headers={"Authorization": f"Bearer {secret}"},
            timeout=httpx.Timeout(WAIT),
        )


@pytest.fixture
async def served(fresh_database: str) -> AsyncIterator[Served]:
    settings = Settings(
        database_url=fresh_database,
        rate_limit_per_minute=0,
        event_stream_heartbeat_seconds=0.3,
        event_stream_poll_seconds=1.0,
        event_streams_per_key=3,
    )
    s = Served(fresh_database, settings)
    await s.start()
    yield s
    if s.task is not None and not s.task.done():
        await s.stop()


async def _writer(client: httpx.AsyncClient, tickets: int) -> None:
    for _ in range(tickets):
        ticket = await make_ticket(client)
        await log(client, ticket["id"])


async def test_three_writers_two_drops_every_event_once_in_feed_order(served: Served) -> None:
    secret = await served.key()
    # The writers go through another replica (in process), which stays up throughout.
    db = await connect(served.url)
    writer_app = create_app(served.settings, db=db)
    writer = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=writer_app),
        base_url="http://writer",
        headers={"Authorization": f"Bearer {secret}"},
    )
    got: list[dict[str, Any]] = []
    try:
        async with served.client(secret) as c:
            async with stream(c) as s:
                start = await s.block()
                assert start is not None and start.retry == 3000  # the reconnection advice first
                first = await s.block()
                # Without a cursor the stream starts from now, and says where that is.
                assert first is not None and first.id is not None and not first.data
                origin = first.id
                writers = asyncio.gather(*(_writer(writer, 8) for _ in range(3)))
                got += await s.events(10)
                resume = s.last_id
            # Dropped by the client: resumed with Last-Event-ID (the URL has no cursor).
            async with stream(c, last_event_id=resume) as s:
                got += await s.events(10)
                resume = s.last_id
                # Dropped by the server: this replica shuts down while the writers write; the
                # stream ends cleanly (a finished response, not a cut connection).
                await served.stop()
                while await s.block() is not None:
                    pass
                assert s.ended
        await served.start()  # another replica, the same database
        await writers
        expected, _ = await follow_events(writer, origin)
        async with served.client(secret) as c:
            # The URL still carries the first cursor: Last-Event-ID wins over it.
            async with stream(c, last_event_id=resume, cursor=origin) as s:
                got += await s.events(len(expected) - len(got))
                # And nothing more than the feed has.
                quiet = await s.block(within=1.0)
                assert quiet is not None and not quiet.data
    finally:
        await writer.aclose()
        await db.close()

    assert len(expected) >= 3 * 8 * 2
    assert [e["id"] for e in got] == [e["id"] for e in expected]
    assert [e["sse_event"] for e in got] == [e["type"] for e in expected]
    assert [{k: v for k, v in e.items() if not k.startswith("sse_")} for e in got] == expected


async def test_an_event_id_is_the_feed_cursor_after_it(served: Served) -> None:
    async with served.client(await served.key()) as c:
        for _ in range(3):
            await make_ticket(c)
        feed, _ = await follow_events(c)
        page = (await c.get("/v1/events", params={"limit": 1})).json()
        async with stream(c, cursor=page["next_cursor"]) as s:
            events = await s.events(len(feed) - 1)
        assert [e["id"] for e in events] == [e["id"] for e in feed[1:]]
        # An event's id continues the feed right after it.
        rest = (await c.get("/v1/events", params={"cursor": events[0]["sse_id"]})).json()
        assert [e["id"] for e in rest["items"]] == [e["id"] for e in feed[2:]]


async def test_an_agent_sees_only_the_events_of_tickets_they_see(served: Served) -> None:
    async with served.client(await served.key()) as admin:
        ours, theirs = await make_team(admin), await make_team(admin)
        agent = await make_agent(admin, team_id=ours["id"])
        async with served.client(await served.key("agent", agent_id=agent["id"])) as c:
            page = (await c.get("/v1/events")).json()
            async with stream(c, cursor=page["next_cursor"]) as s:
                hidden = await make_ticket(admin, team_id=theirs["id"])
                await log(admin, hidden["id"])
                shown = await make_ticket(admin, team_id=ours["id"])
                events = await s.events(1)
                assert [e["ticket_id"] for e in events] == [shown["id"]]
                feed = (await c.get("/v1/events", params={"cursor": page["next_cursor"]})).json()
                assert {e["ticket_id"] for e in feed["items"]} == {shown["id"]}
                quiet = await s.block(within=1.0)
                assert quiet is not None and not quiet.data, "another team's event was streamed"


async def test_filters_are_the_feeds(served: Served) -> None:
    async with served.client(await served.key()) as c:
        one, two = await make_ticket(c), await make_ticket(c)
        async with (
            stream(c, type="interaction.added") as by_type,
            stream(c, ticket_id=two["id"]) as by_ticket,
        ):
            # Both from now; the past events of `two` are not streamed.
            for s in (by_type, by_ticket):
                await s.block()
                await s.block()
            await log(c, one["id"])
            await log(c, two["id"])
            typed = await by_type.events(2)
            assert [(e["type"], e["ticket_id"]) for e in typed] == [
                ("interaction.added", one["id"]),
                ("interaction.added", two["id"]),
            ]
            of_two = await by_ticket.events(1)
            assert {e["ticket_id"] for e in of_two} == {two["id"]}
            assert of_two[0]["type"] == "interaction.added"


async def test_a_stream_from_now_skips_what_committed_before_it_even_unsettled(
    served: Served,
) -> None:
    # A transaction older than the ticket's create still runs when the stream opens, so that
    # create has committed but not settled: it is before the stream all the same.
    older = await asyncpg.connect(libpq_url(served.url))
    try:
        open_tx = older.transaction()
        await open_tx.start()
        await older.fetchval("SELECT pg_current_xact_id()")
        async with served.client(await served.key()) as c:
            ticket = await make_ticket(c)
            async with stream(c, ticket_id=ticket["id"]) as s:
                await s.block()
                await s.block()
                await log(c, ticket["id"])
                await open_tx.rollback()
                events = await s.events(1)
                assert [e["type"] for e in events] == ["interaction.added"]
    finally:
        await older.close()


async def test_a_quiet_stream_sends_heartbeats(served: Served) -> None:
    async with served.client(await served.key()) as c, stream(c) as s:
        await s.block()
        await s.block()
        beat = await s.block(within=3.0)
        assert beat is not None and beat.comments == ["heartbeat"] and not beat.data


async def test_a_key_holds_a_bounded_number_of_streams(served: Served) -> None:
    secret = await served.key()
    streams = served.app.state.event_streams
    async with served.client(secret) as c:
        async with contextlib.AsyncExitStack() as open_streams:
            for _ in range(3):
                await open_streams.enter_async_context(stream(c))
            async with asyncio.timeout(WAIT):  # a stream admitted by mistake would never end
                refused = await c.get("/v1/events/stream")
            assert refused.status_code == 429
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["type"].endswith("/too-many-streams")
            assert "Retry-After" in refused.headers
            # Another key has its own allowance.
            async with served.client(await served.key()) as other, stream(other) as s:
                assert await s.block() is not None
                assert streams.open_streams == 4
        # Closed streams give their places back.
        async with asyncio.timeout(WAIT):
            while streams.open_streams:  # noqa: ASYNC110 (a count, not an event)
                await asyncio.sleep(0.05)
        async with stream(c) as s:
            assert await s.block() is not None


async def test_a_bad_cursor_is_a_problem_before_any_stream(served: Served) -> None:
    async with served.client(await served.key()) as c:
        r = await c.get("/v1/events/stream", headers={"Last-Event-ID": "not-a-cursor"})
        assert r.status_code == 400
        assert r.json()["type"].endswith("/invalid-cursor")
        assert served.app.state.event_streams.open_streams == 0


async def test_a_stream_survives_its_database_connections_being_cut(served: Served) -> None:
    async with served.client(await served.key()) as c:
        async with stream(c) as s:
            await s.block()
            await s.block()
            conn = await asyncpg.connect(libpq_url(served.url))
            try:
                # What a database restart does to this replica: every connection is gone.
                await conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            finally:
                await conn.close()
            ticket = None
            async with asyncio.timeout(WAIT):
                while ticket is None:  # requests fail until the pool has new connections
                    with contextlib.suppress(AssertionError, httpx.HTTPError):
                        ticket = await make_ticket(c)
            events = await s.events(1)
            assert events[0]["ticket_id"] == ticket["id"]


async def test_a_commit_wakes_the_streams_at_once(fresh_database: str) -> None:
    """Woken by the NOTIFY of the commit, not by the poll or a heartbeat (both a minute here)."""
    settings = Settings(
        database_url=fresh_database,
        rate_limit_per_minute=0,
        event_stream_heartbeat_seconds=60,
        event_stream_poll_seconds=60,
    )
    served = Served(fresh_database, settings)
    await served.start()
    try:
        async with served.client(await served.key()) as c, stream(c) as s:
            await s.block()
            await s.block()
            ticket = await make_ticket(c)
            events = await s.events(1, within=5.0)
            assert events[0]["ticket_id"] == ticket["id"]
    finally:
        await served.stop()


async def test_a_reader_that_does_not_keep_up_is_disconnected(fresh_database: str) -> None:
    settings = Settings(
        database_url=fresh_database,
        rate_limit_per_minute=0,
        event_stream_write_timeout_seconds=0.5,
    )
    served = Served(fresh_database, settings)
    await served.start()
    try:
        secret = await served.key()
        async with served.client(secret) as c:
            ticket = await make_ticket(c)
        conn = await asyncpg.connect(libpq_url(fresh_database))
        try:  # ~16 MB of events: more than the socket buffers on both sides hold
            await conn.execute(
                "INSERT INTO events (type, ticket_id, payload, occurred_at) "
                "SELECT 'ticket.updated', $1::bigint, jsonb_build_object('ticket_id', $1::bigint, "
                "'changed', jsonb_build_array(repeat('x', 1600))), now() "
                "FROM generate_series(1, 10000)",
                ticket["id"],
            )
        finally:
            await conn.close()
        streams = served.app.state.event_streams
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", served.port))
        sock.setblocking(False)
        reader, writer = await asyncio.open_connection(sock=sock)
        try:
            writer.write(
                b"GET /v1/events/stream?cursor="
                + cursor_after(0, 0).encode()  # from the first event
                + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + secret.encode()
                + b"\r\n\r\n"
            )
            await writer.drain()
            async with asyncio.timeout(WAIT):
                while not streams.open_streams:  # noqa: ASYNC110 (a count, not an event)
                    await asyncio.sleep(0.01)
                # Never read: the server gives up on it rather than buffer 16 MB for it.
                while streams.open_streams:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            received = 0
            async with asyncio.timeout(WAIT):
                while chunk := await reader.read(1 << 20):
                    received += len(chunk)
            assert received < 12_000_000, "the whole backlog was buffered for a stalled reader"
        finally:
            writer.close()
    finally:
        await served.stop()


async def test_streams_of_different_callers_each_get_what_their_feed_shows(
    served: Served,
) -> None:
    """The process reads each new event once and filters it in memory for each stream: every
    stream gets exactly what the feed shows its caller, with its filters."""
    async with served.client(await served.key()) as admin:
        ours, theirs = await make_team(admin), await make_team(admin)
        one = await make_agent(admin, team_id=ours["id"])
        other = await make_agent(admin, team_id=theirs["id"])
        callers = {
            "admin": (admin, {}),
            "admin, interactions": (admin, {"type": "interaction.added"}),
            "our agent": (
                served.client(await served.key("agent", agent_id=one["id"])),
                {},
            ),
            "their agent": (
                served.client(await served.key("agent", agent_id=other["id"])),
                {},
            ),
        }
        async with contextlib.AsyncExitStack() as stack:
            streams: dict[str, tuple[Stream, str]] = {}
            for name, (c, params) in callers.items():
                s = await stack.enter_async_context(stream(c, **params))
                await s.block()
                origin = await s.block()
                assert origin is not None and origin.id is not None
                streams[name] = (s, origin.id)
            # Each stream follows the tail once the tail has moved past what was running
            # when it opened (until then it reads from the table).
            await until(lambda: served.app.state.event_streams.following == len(callers))
            mine = await make_ticket(admin, team_id=ours["id"])
            yours = await make_ticket(admin, team_id=theirs["id"])
            nobodys = await make_ticket(admin)
            handed = await make_ticket(admin, team_id=theirs["id"], assignee_id=one["id"])
            for ticket in (mine, yours, nobodys, handed):
                await log(admin, ticket["id"])
            for name, (s, origin) in streams.items():
                c, params = callers[name]
                expected, _ = await follow_events(c, origin, **params)
                got = await s.events(len(expected))
                assert [e["id"] for e in got] == [e["id"] for e in expected], name
                quiet = await s.block(within=1.0)
                assert quiet is not None and not quiet.data, f"{name} got more than its feed"
            ticket_ids = {}
            for name, (c, _) in callers.items():
                seen, _ = await follow_events(c, streams[name][1])
                ticket_ids[name] = {e["ticket_id"] for e in seen}
        for c, _ in callers.values():
            if c is not admin:
                await c.aclose()
    assert ticket_ids["our agent"] == {mine["id"], handed["id"]}
    assert ticket_ids["their agent"] == {yours["id"], handed["id"]}
    assert ticket_ids["admin"] == {mine["id"], yours["id"], nobodys["id"], handed["id"]}


async def test_desk_events_reach_staff_streams_only(served: Served) -> None:
    """An event about the desk (no ticket) is streamed to the staff (admin, agent), as their
    feed shows it, following or catching up; never to an integration key limited to some
    tickets, nor on a stream filtered by ticket."""
    async with served.client(await served.key()) as admin:
        team = await make_team(admin)
        agent = await make_agent(admin, team_id=team["id"])
        ticket = await make_ticket(admin, team_id=team["id"])
        scoped = await admin.post(
            "/v1/api-keys", json={"name": "mail", "role": "integration", "scope": ["email"]}
        )
        assert scoped.status_code == 201, scoped.text
        _, origin = await follow_events(admin)
        clients = {
            "admin": admin,
            "agent": served.client(await served.key("agent", agent_id=agent["id"])),
            "integration": served.client(scoped.json()["key"]),
        }
        try:
            async with contextlib.AsyncExitStack() as stack:
                following = {}
                for name, c in clients.items():
                    following[name] = await stack.enter_async_context(stream(c))
                following["by ticket"] = await stack.enter_async_context(
                    stream(admin, ticket_id=ticket["id"])
                )
                for s in following.values():
                    await s.block()
                    await s.block()
                async with transaction(served.app.state.desk.db) as conn:
                    await change.record(
                        conn, [], [(KB_ARTICLE_PUBLISHED, None, {"article_id": 7})], at=utcnow()
                    )
                mail = await make_ticket(admin, channel="email")
                await log(admin, ticket["id"])
                for name in ("admin", "agent"):
                    got = await following[name].events(1)
                    assert (got[0]["type"], got[0]["ticket_id"]) == (KB_ARTICLE_PUBLISHED, None)
                (first,) = await following["integration"].events(1)
                assert (first["type"], first["ticket_id"]) == ("ticket.created", mail["id"])
                (first,) = await following["by ticket"].events(1)
                assert (first["type"], first["ticket_id"]) == ("interaction.added", ticket["id"])
                # Resumed from before it (read from the table): the same.
                for name, c in clients.items():
                    async with stream(c, cursor=origin) as s:
                        types = [e["type"] for e in await s.events(1)]
                        assert (KB_ARTICLE_PUBLISHED in types) == (name != "integration"), name
        finally:
            for name, c in clients.items():
                if name != "admin":
                    await c.aclose()


async def _portal(served: Served, admin: httpx.AsyncClient, customer_id: int) -> httpx.AsyncClient:
    minted = await admin.post(f"/v1/customers/{customer_id}/tokens")
    assert minted.status_code == 201, minted.text
    return served.client(minted.json()["token"])


def _as_customer_sees(event: dict[str, Any]) -> dict[str, Any] | None:
    """What a customer's stream should send of a staff feed event of their ticket (None:
    nothing), written from the feed's shape independently of the service's projection."""
    data = event["data"]
    if event["type"] not in CUSTOMER_EVENT_TYPES:
        return None
    if event["type"] == "interaction.added" and not data["public"]:
        return None
    return {
        "type": event["type"],
        "ticket_id": event["ticket_id"],
        "status": data["status"],
        "interaction_id": data.get("interaction_id"),
        "occurred_at": event["occurred_at"],
    }


async def test_a_customers_stream_carries_their_public_events_in_their_shape(
    served: Served,
) -> None:
    """A customer token's stream sends its customer's tickets' events a customer may know of
    (opened, status moved, a public message), in the customer's shape: never another
    customer's, an internal note's, an assignment's, an escalation's or a desk event, and no
    internal field (a marker planted in each is in the staff's reads, never in the raw
    stream). Resumed from its last event id, it sends exactly the rest."""
    markers: dict[str, str] = {}

    def mark(name: str) -> str:
        markers[name] = f"secret{uuid.uuid4().hex[:16]}"
        return markers[name]

    async with served.client(await served.key()) as admin:
        own, other = await make_customer(admin), await make_customer(admin)
        team = await make_team(admin, name=mark("team name"))
        second = await make_team(admin, tier=2, name=mark("escalation team name"))
        agent = await make_agent(admin, team_id=team["id"], name=mark("assignee name"))
        _, origin = await follow_events(admin)
        portal = await _portal(served, admin, own["id"])
        elsewhere = await _portal(served, admin, other["id"])
        try:
            async with stream(portal) as mine, stream(elsewhere) as theirs:
                for s in (mine, theirs):
                    await s.block()
                    await s.block()
                ticket = await make_ticket(
                    admin,
                    customer_id=own["id"],
                    team_id=team["id"],
                    assignee_id=agent["id"],
                    priority="high",
                    priority_reason="a known customer",
                    category=f"billing/{mark('category')}",
                    tags=[mark("tag")],
                    external_id=mark("ticket external id"),
                )
                tid, path = ticket["id"], f"/v1/tickets/{ticket['id']}"
                another = await make_ticket(admin, customer_id=other["id"])
                await log(admin, another["id"], body="For the other customer")
                note = await log(
                    admin,
                    tid,
                    kind="note",
                    direction="internal",
                    public=False,
                    body=mark("internal note"),
                    external_id=mark("note id"),
                )
                reply = await log(admin, tid, body="We are on it", external_id=mark("mail id"))
                changed = await patch(
                    admin, path, priority="low", priority_reason=mark("priority reason")
                )
                assert changed.status_code == 200, changed.text
                escalated = await admin.post(
                    f"{path}/escalations",
                    json={
                        "kind": "functional",
                        "to_team_id": second["id"],
                        "reason": mark("escalation reason"),
                    },
                )
                assert escalated.status_code == 201, escalated.text
                resolved = await patch(admin, path, status="resolved")
                assert resolved.status_code == 200, resolved.text
                async with transaction(served.app.state.desk.db) as conn:
                    await change.record(
                        conn, [], [(KB_ARTICLE_PUBLISHED, None, {"article_id": 7})], at=utcnow()
                    )

                feed, _ = await follow_events(admin, origin)
                expected = [
                    shown
                    for e in feed
                    if e["ticket_id"] == tid and (shown := _as_customer_sees(e)) is not None
                ]
                got = await mine.events(len(expected))
                quiet = await mine.block(within=1.0)
                assert quiet is not None and not quiet.data, "more than the customer's events"
                # Another customer's stream: their ticket's events only.
                of_another = [
                    shown
                    for e in feed
                    if e["ticket_id"] == another["id"]
                    and (shown := _as_customer_sees(e)) is not None
                ]
                assert [e["type"] for e in of_another] == [
                    "ticket.created",
                    "interaction.added",
                    "ticket.status_changed",
                ]
                got_there = await theirs.events(len(of_another))
                assert [
                    {k: v for k, v in e.items() if not k.startswith("sse_")} for e in got_there
                ] == of_another
                quiet = await theirs.block(within=1.0)
                assert quiet is not None and not quiet.data, "another customer's event was sent"
            raw = "\n".join(mine.raw)

            # Resumed after its first event: exactly the rest, from the table.
            async with stream(portal, last_event_id=got[0]["sse_id"]) as resumed:
                rest = await resumed.events(len(got) - 1)
                quiet = await resumed.block(within=1.0)
                assert quiet is not None and not quiet.data
            # From before all of it (the first cursor): everything again, in the same order.
            async with stream(portal, cursor=origin) as replayed:
                again = await replayed.events(len(got))
                quiet = await replayed.block(within=1.0)
                assert quiet is not None and not quiet.data
        finally:
            await portal.aclose()
            await elsewhere.aclose()
        staff_read = "".join(
            [
                (await admin.get(p)).text
                for p in (path, f"{path}/interactions", f"{path}/escalations")
            ]
            + [
                (await admin.get(f"/v1/{k}/{i}")).text
                for k, i in (
                    ("teams", team["id"]),
                    ("teams", second["id"]),
                    ("agents", agent["id"]),
                )
            ]
        )

    # The plants took: the staff read every marker; the staff's feed has the internal fields.
    assert [name for name, m in markers.items() if m not in staff_read] == []
    assert {"team_id", "assignee_id", "priority", "version"} <= set(feed[0]["data"])
    # What the customer was sent: their public events, as the feed has them, in its order.
    assert [e["type"] for e in expected] == [
        "ticket.created",
        "interaction.added",  # the public reply (the internal note is not there)
        "ticket.status_changed",  # new → open, by the reply
        "ticket.status_changed",  # → resolved
    ]
    assert [e["interaction_id"] for e in expected if e["interaction_id"]] == [reply["id"]]
    assert [{k: v for k, v in e.items() if not k.startswith("sse_")} for e in got] == expected
    assert [e["sse_event"] for e in got] == [e["type"] for e in expected]
    for event in got:
        CustomerEventOut.model_validate({k: v for k, v in event.items() if k != "sse_id"})
        assert set(event) == {"sse_id", "sse_event", *CustomerEventOut.model_fields}
    # Nothing internal in the bytes on the wire.
    assert [name for name, m in markers.items() if m in raw] == []
    data = "\n".join(line for line in mine.raw if line.startswith("data:"))
    for name in ("team_id", "assignee_id", "priority", "version", "tier", "public", "kind"):
        assert f'"{name}"' not in data, name
    assert "sla" not in data
    assert str(note["id"]) not in {str(e["interaction_id"]) for e in got}
    assert rest == got[1:]
    assert again == got


async def test_a_customer_may_not_ask_for_what_agents_do(served: Served) -> None:
    """A customer's stream carries ticket.created, ticket.status_changed and interaction.added
    only: asking for another type is a 403 naming `type`, before any stream opens; the feed
    itself (GET /v1/events, the staff's shape) stays closed to a customer token."""
    async with served.client(await served.key()) as admin:
        customer = await make_customer(admin)
        own = await make_ticket(admin, customer_id=customer["id"])
        portal = await _portal(served, admin, customer["id"])
    async with portal:
        for types in (["sla.breach"], ["interaction.added", "ticket.assigned"]):
            async with asyncio.timeout(WAIT):  # a stream let through would never end
                r = await portal.get(
                    "/v1/events/stream", params={"type": types, "ticket_id": own["id"]}
                )
            assert r.status_code == 403, r.text
            assert r.headers["content-type"] == "application/problem+json"
            assert [e["field"] for e in r.json()["errors"]] == ["query.type"]
            assert types[-1] in r.json()["detail"]
        assert (await portal.get("/v1/events")).status_code == 403
        assert served.app.state.event_streams.open_streams == 0
        # The types a customer may know of are theirs to filter by.
        async with (
            served.client(await served.key()) as admin,
            stream(portal, type="interaction.added", cursor=cursor_after(0, 0)) as s,
        ):
            await log(admin, own["id"])
            (event,) = await s.events(1)
            assert (event["type"], event["ticket_id"]) == ("interaction.added", own["id"])


@pytest.mark.parametrize(
    "visible",
    [
        Visibility(),
        Visibility(team_ids=frozenset({1, 2})),
        Visibility(team_ids=frozenset({1}), agent_id=7, key_ids=frozenset({5})),
        Visibility(agent_id=7),
        Visibility(customer_id=3),
        Visibility(key_ids=frozenset({5, 6})),
        Visibility(channels=frozenset({"email", "chat"}), key_ids=frozenset({6})),
        Visibility(everything=True),
    ],
)
async def test_the_in_memory_visibility_is_the_stores(server_url: str, visible: Visibility) -> None:
    """A stream filters events in memory by `access.sees`; the feed filters them in SQL by
    `visible_sql`. Over every mix of a ticket's columns, both take in the same tickets."""
    values = [None, 1, 2, 7]
    tickets = [
        TicketScope(team, assignee, escalated, customer, key, channel)
        for team in values
        for assignee in (None, 7, 8)
        for escalated in (None, 7)
        for customer in (None, 3, 4)
        for key in (None, 5, 9)
        for channel in (None, "email", "phone")
    ]
    p = Params()
    rows = p(
        [
            [t.team_id, t.assignee_id, t.escalated_to_id, t.customer_id, t.created_by_key_id]
            for t in tickets
        ],
        "bigint[]",
    )
    channels = p([t.channel for t in tickets], "text[]")
    where = visible_sql(visible, p) or "true"
    sql = f"""
        SELECT n FROM (
            SELECT n, ({rows})[n][1] AS team_id, ({rows})[n][2] AS assignee_id,
                ({rows})[n][3] AS escalated_to_id, ({rows})[n][4] AS customer_id,
                ({rows})[n][5] AS created_by_key_id, ({channels})[n] AS channel
            FROM generate_series(1, {p(len(tickets), "int")}) AS n
        ) tickets
        WHERE {where}
    """
    conn = await asyncpg.connect(libpq_url(server_url))
    try:
        in_sql = {r["n"] - 1 for r in await conn.fetch(sql, *p.values)}
    finally:
        await conn.close()
    in_memory = {n for n, t in enumerate(tickets) if sees(visible, t)}
    assert in_memory == in_sql
    assert 0 < len(in_sql) or visible == Visibility()


def _event_ids(chunk: bytes) -> list[int]:
    return [
        httpx.Response(200, content=line[6:]).json()["id"]
        for line in chunk.split(b"\n")
        if line.startswith(b"data: ")
    ]


async def test_a_follower_that_falls_behind_reads_on_from_the_table(fresh_database: str) -> None:
    """What the tail queues for a stream whose reader does not take it is bounded: past the
    bound the stream stops following and reads what it missed from the table, nothing lost
    nor repeated, then follows again."""
    db = await connect(fresh_database)
    settings = Settings(database_url=fresh_database, event_stream_poll_seconds=0.2)
    desk = Desk.of(db, settings)
    secret = (await auth.create_key(desk, ApiKeyCreate(name="k", role="admin"), now=utcnow())).key
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings, db=db)),
        base_url="http://desk",
        headers={"Authorization": f"Bearer {secret}"},
    ) as c:
        ticket = await make_ticket(c)  # its event is before the stream starts
    stopping = asyncio.Event()
    limits = StreamLimits(heartbeat_seconds=30, poll_seconds=0.2, queued_bytes=64_000)
    streams = EventStreams(desk, limits, stopping, wire=WIRE)
    tail = asyncio.create_task(streams.run())
    items = streams.follow(Audience.of(EventStreamQuery(), EVERYTHING), cursor=None)
    writer = await asyncpg.connect(libpq_url(fresh_database))

    async def write(count: int) -> list[int]:
        ids: list[int] = await writer.fetchval(
            "WITH e AS (INSERT INTO events (type, ticket_id, payload, occurred_at) "
            "SELECT 'ticket.updated', $1::bigint, jsonb_build_object('ticket_id', $1::bigint, "
            "'changed', jsonb_build_array(repeat('x', 4000))), now() "
            "FROM generate_series(1, $2::int) RETURNING id) SELECT array_agg(id ORDER BY id) "
            "FROM e",
            ticket["id"],
            count,
        )
        return ids

    try:
        async with asyncio.timeout(WAIT):
            while streams.position is None:  # noqa: ASYNC110 (the tail's first read)
                await asyncio.sleep(0.01)
        start = await anext(items)
        assert start.startswith(b"id: ") and not _event_ids(start)  # where it starts: now
        first = asyncio.ensure_future(anext(items))
        await until(lambda: streams.following == 1)
        written = await write(1)
        got = _event_ids(await first)
        # The reader takes nothing now: 10 events (~40 kB) are queued, the next 10 are not.
        for _ in range(5):
            written += await write(10)
        await until(lambda: streams.following == 0)
        while len(got) < len(written):
            got += _event_ids(await anext(items))
        assert got == written
        # Caught up: it follows again.
        later = asyncio.ensure_future(anext(items))
        await until(lambda: streams.following == 1)
        written += await write(1)
        got += _event_ids(await later)
        assert got == written
    finally:
        stopping.set()
        await items.aclose()
        await tail
        await writer.close()
        await db.close()


async def test_streams_of_one_audience_are_sent_the_same_bytes(fresh_database: str) -> None:
    """Each event is framed once per shape and joined once per audience: two streams of one
    audience are queued the very same bytes (one object), a stream of another audience its
    own, and a stream whose filter the event misses nothing."""
    db = await connect(fresh_database)
    settings = Settings(database_url=fresh_database, event_stream_poll_seconds=0.2)
    desk = Desk.of(db, settings)
    stopping = asyncio.Event()
    limits = StreamLimits(heartbeat_seconds=30, poll_seconds=0.2)
    streams = EventStreams(desk, limits, stopping, wire=WIRE)
    tail = asyncio.create_task(streams.run())
    everything = Audience.of(EventStreamQuery(), EVERYTHING)
    updates = Audience.of(EventStreamQuery(type=["ticket.updated"]), EVERYTHING)
    created = Audience.of(EventStreamQuery(type=["ticket.created"]), EVERYTHING)
    items = [streams.follow(a, cursor=None) for a in (everything, everything, updates, created)]
    writer = await asyncpg.connect(libpq_url(fresh_database))
    nexts: list[asyncio.Future[bytes]] = []
    try:
        async with asyncio.timeout(WAIT):
            while streams.position is None:  # noqa: ASYNC110 (the tail's first read)
                await asyncio.sleep(0.01)
        for started in items:
            assert _event_ids(await anext(started)) == []  # where it starts: now
        nexts = [asyncio.ensure_future(anext(i)) for i in items]
        async with asyncio.timeout(WAIT):
            while streams.following < len(items):  # noqa: ASYNC110 (a count, not an event)
                await asyncio.sleep(0.01)
        ids = await writer.fetchval(
            "WITH e AS (INSERT INTO events (type, ticket_id, payload, occurred_at) "
            "SELECT 'ticket.updated', NULL, '{}'::jsonb, now() FROM generate_series(1, 2) "
            "RETURNING id) SELECT array_agg(id ORDER BY id) FROM e"
        )
        async with asyncio.timeout(WAIT):
            first, second, filtered = await asyncio.gather(*nexts[:3])
        assert _event_ids(first) == ids
        assert first is second  # one object for both streams of the audience
        assert _event_ids(filtered) == ids and filtered is not first
        await asyncio.sleep(0.3)  # a poll or two: still nothing for the other type
        assert not nexts[3].done()
    finally:
        stopping.set()  # the waiting stream ends (StopAsyncIteration) before it is closed
        async with asyncio.timeout(WAIT):
            await asyncio.gather(*nexts, return_exceptions=True)
        for i in items:
            await i.aclose()
        await tail
        await writer.close()
        await db.close()
