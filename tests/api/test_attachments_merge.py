"""Merging × attachments: a merged ticket's files follow their interactions to the target,
the target's customer sees only the public ones, and a person's export and erasure reach
their files on a ticket merged away."""

from typing import Any

import httpx

from app.db import Database
from tests.api.conftest import client_for
from tests.api.factories import log, make_customer, make_ticket
from tests.api.test_attachments import chunks_in_db, uploaded
from tests.api.test_portal import portal_token


async def merge(client: httpx.AsyncClient, target: int, merged: int) -> None:
    done = await client.post(f"/v1/tickets/{target}/merge", json={"ticket_ids": [merged]})
    assert done.status_code == 200, done.text


async def test_the_targets_customer_sees_only_the_public_files_merged_in(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    ada = await make_customer(client)
    bob = await make_customer(client)
    target = await make_ticket(client, customer_id=ada["id"])
    merged = await make_ticket(client, customer_id=bob["id"])
    public = await uploaded(client, b"the outage notice")
    internal = await uploaded(client, b"internal: the router's config")
    await log(client, merged["id"], attachment_ids=[public["id"]])
    await log(
        client,
        merged["id"],
        kind="note",
        direction="internal",
        public=False,
        attachment_ids=[internal["id"]],
    )
    await merge(client, target["id"], merged["id"])
    async with client_for(app, await portal_token(client, ada["id"])) as theirs:
        shown = await theirs.get(
            f"/v1/tickets/{target['id']}/interactions", params={"public_only": "true"}
        )
        assert shown.status_code == 200, shown.text
        files = [a["id"] for i in shown.json()["items"] for a in i["attachments"]]
        assert files == [public["id"]]
        assert (await theirs.get(f"/v1/attachments/{public['id']}")).content == (
            b"the outage notice"
        )
        assert (await theirs.get(f"/v1/attachments/{internal['id']}")).status_code == 404


async def customer_reply(
    app: Any, client: httpx.AsyncClient, customer_id: int, ticket_id: int, content: bytes
) -> dict[str, Any]:
    async with client_for(app, await portal_token(client, customer_id)) as theirs:
        sent = await theirs.post(
            f"/v1/tickets/{ticket_id}/interactions",
            data={"interaction": '{"kind": "email", "body": "my scan"}'},
            files=[("files", ("scan.pdf", content, "application/octet-stream"))],
        )
    assert sent.status_code == 201, sent.text
    return dict(sent.json()["attachments"][0])


async def test_export_and_erasure_reach_a_persons_files_on_a_ticket_merged_away(
    app, client: httpx.AsyncClient, db: Database
) -> None:  # type: ignore[no-untyped-def]
    ada = await make_customer(client)
    bob = await make_customer(client)
    target = await make_ticket(client, customer_id=ada["id"])
    merged = await make_ticket(client, customer_id=bob["id"])
    bobs = await customer_reply(app, client, bob["id"], merged["id"], b"bob's passport scan")
    adas = await customer_reply(app, client, ada["id"], target["id"], b"ada's contract")
    await merge(client, target["id"], merged["id"])

    export = await client.get(f"/v1/customers/{bob['id']}/export")
    assert export.status_code == 200, export.text
    # Bob's message now lives on Ada's ticket: exported among his messages elsewhere.
    body = export.json()
    exported = [
        a["id"]
        for i in [*(i for t in body["tickets"] for i in t["interactions"])]
        + body["interactions_elsewhere"]
        for a in i["attachments"]
    ]
    assert bobs["id"] in exported
    listed = (await client.get(f"/v1/tickets/{target['id']}/interactions")).json()["items"]
    bobs_sha256 = next(
        a["sha256"] for i in listed for a in i["attachments"] if a["id"] == bobs["id"]
    )
    assert await chunks_in_db(db, bobs_sha256) == 1
    assert adas["id"] not in exported  # the target's own customer's files are not Bob's

    erased = await client.post(f"/v1/customers/{bob['id']}/erase")
    assert erased.status_code == 200, erased.text
    assert bobs["id"] in erased.json()["attachment_ids"]
    assert adas["id"] not in erased.json()["attachment_ids"]
    assert (await client.get(f"/v1/attachments/{bobs['id']}")).status_code == 404
    listed = (await client.get(f"/v1/tickets/{target['id']}/interactions")).json()["items"]
    files = {a["id"]: a for i in listed for a in i["attachments"]}
    assert files[bobs["id"]]["erased"] is True
    assert files[adas["id"]]["erased"] is False
    assert (await client.get(f"/v1/attachments/{adas['id']}")).content == b"ada's contract"
    # Bob's content is gone from the backend (nobody else holds the same bytes).
    assert await chunks_in_db(db, bobs_sha256) == 0
