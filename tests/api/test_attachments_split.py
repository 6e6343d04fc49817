"""Splitting a ticket with some of its interactions: they move to the new ticket with their
files (whose visibility is the new ticket's), and both tickets' counts follow."""

import httpx

from app.db import Database, connection
from tests.api.conftest import client_for
from tests.api.factories import log, make_customer, make_ticket
from tests.api.test_attachments import uploaded
from tests.api.test_portal import portal_token


async def test_interactions_split_off_take_their_files_to_the_new_ticket(
    app, client: httpx.AsyncClient, db: Database
) -> None:  # type: ignore[no-untyped-def]
    customer = await make_customer(client)
    origin = await make_ticket(client, customer_id=customer["id"])
    printer_photo = await uploaded(client, b"photo of the jammed printer")
    printer_notes = await uploaded(client, b"internal: the printer's service log")
    vpn_log = await uploaded(client, b"the vpn client's log")
    stays = await log(client, origin["id"], body="VPN fixed", attachment_ids=[vpn_log["id"]])
    reply = await log(
        client, origin["id"], body="About the printer", attachment_ids=[printer_photo["id"]]
    )
    note = await log(
        client,
        origin["id"],
        kind="note",
        direction="internal",
        public=False,
        body="printer service log",
        attachment_ids=[printer_notes["id"]],
    )
    split = await client.post(
        f"/v1/tickets/{origin['id']}/split",
        json={"subject": "Printer on floor 3 jams", "interaction_ids": [reply["id"], note["id"]]},
    )
    assert split.status_code == 201, split.text
    new = split.json()
    assert new["interaction_count"] == 2
    moved = (await client.get(f"/v1/tickets/{new['id']}/interactions")).json()["items"]
    assert [i["id"] for i in moved] == [reply["id"], note["id"]]
    assert [[a["id"] for a in i["attachments"]] for i in moved] == [
        [printer_photo["id"]],
        [printer_notes["id"]],
    ]
    left = (await client.get(f"/v1/tickets/{origin['id']}/interactions")).json()["items"]
    assert [i["id"] for i in left] == [stays["id"]]
    assert (await client.get(f"/v1/tickets/{origin['id']}")).json()["interaction_count"] == 1
    async with connection(db) as conn:
        on = dict(
            await conn.fetch(
                "SELECT id, ticket_id FROM attachments WHERE id = ANY($1::bigint[])",
                [printer_photo["id"], printer_notes["id"], vpn_log["id"]],
            )
        )
    assert on == {
        printer_photo["id"]: new["id"],
        printer_notes["id"]: new["id"],
        vpn_log["id"]: origin["id"],
    }
    async with client_for(app, await portal_token(client, customer["id"])) as theirs:
        shown = await theirs.get(
            f"/v1/tickets/{new['id']}/interactions", params={"public_only": "true"}
        )
        assert [a["id"] for i in shown.json()["items"] for a in i["attachments"]] == [
            printer_photo["id"]
        ]
        got = await theirs.get(f"/v1/attachments/{printer_photo['id']}")
        assert got.content == b"photo of the jammed printer"
        assert (await theirs.get(f"/v1/attachments/{printer_notes['id']}")).status_code == 404


async def test_a_split_naming_another_tickets_interaction_is_refused_whole(
    client: httpx.AsyncClient, db: Database
) -> None:
    origin = await make_ticket(client)
    other = await make_ticket(client)
    mine = await log(client, origin["id"])
    theirs = await log(client, other["id"])
    async with connection(db) as conn:
        before = await conn.fetchval("SELECT count(*) FROM tickets")
    refused = await client.post(
        f"/v1/tickets/{origin['id']}/split",
        json={"subject": "Another", "interaction_ids": [mine["id"], theirs["id"]]},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "interaction_ids.1"
    async with connection(db) as conn:
        assert await conn.fetchval("SELECT count(*) FROM tickets") == before
    left = (await client.get(f"/v1/tickets/{origin['id']}/interactions")).json()["items"]
    assert [i["id"] for i in left] == [mine["id"]]
