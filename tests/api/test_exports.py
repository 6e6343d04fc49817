"""The ticket export: NDJSON or CSV by Accept, followed by a cursor that never misses a change."""

import csv
import io

import httpx
import orjson

from tests.api.conftest import client_for, new_key
from tests.api.factories import make_agent, make_team, make_ticket, patch


async def export(client: httpx.AsyncClient, **params: object) -> tuple[list[dict], str]:  # type: ignore[type-arg]
    answered = await client.get("/v1/exports/tickets", params=params)
    assert answered.status_code == 200, answered.text
    assert answered.headers["content-type"].startswith("application/x-ndjson")
    lines = [orjson.loads(line) for line in answered.content.splitlines()]
    return lines, answered.headers["Next-Cursor"]


async def test_the_export_follows_changes_and_never_repeats_or_misses_one(
    client: httpx.AsyncClient,
) -> None:
    a, b, c = [await make_ticket(client, tags=["vpn"]) for _ in range(3)]
    first, cursor = await export(client, limit=2)
    assert [t["id"] for t in first] == [a["id"], b["id"]]
    assert "subject" not in first[0] and first[0]["tags"] == ["vpn"]
    rest, cursor = await export(client, cursor=cursor)
    assert [t["id"] for t in rest] == [c["id"]]
    nothing, same = await export(client, cursor=cursor)
    assert nothing == [] and same == cursor  # the end: poll again with the same cursor
    changed = await patch(client, f"/v1/tickets/{a['id']}", status="open")
    assert changed.status_code == 200
    again, _ = await export(client, cursor=cursor)
    assert [(t["id"], t["status"]) for t in again] == [(a["id"], "open")]


async def test_csv_by_accept_with_a_header_row(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client, tags=["vpn", "mac"])
    answered = await client.get("/v1/exports/tickets", headers={"Accept": "text/csv"})
    assert answered.status_code == 200 and answered.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answered.text)))
    assert [(int(r["id"]), r["tags"], r["status"]) for r in rows] == [
        (ticket["id"], "vpn;mac", "new")
    ]


async def test_a_key_exports_the_tickets_it_sees(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = await make_team(client), await make_team(client)
    agent = await make_agent(client, team_id=ours["id"])
    mine = await make_ticket(client, team_id=ours["id"])
    await make_ticket(client, team_id=theirs["id"])
    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as c:
        seen, _ = await export(c)
    assert [t["id"] for t in seen] == [mine["id"]]
    bad = await client.get("/v1/exports/tickets", params={"cursor": "nonsense"})
    assert bad.status_code == 400
