"""Files sent with the interaction itself (multipart/form-data on POST
/v1/tickets/{id}/interactions): stored in the interaction's transaction on either backend, a
file over its limit a 413 naming its part with nothing written; customers too."""

import json
import os
from typing import Any

import httpx

from app.db import Database, connection
from tests.api.conftest import client_for
from tests.api.factories import make_customer, make_ticket
from tests.api.test_attachments import PNG, on_postgres, s3, s3_endpoint, s3_keys  # noqa: F401
from tests.api.test_portal import portal_token


async def post_form(
    client: httpx.AsyncClient,
    ticket_id: int,
    interaction: dict[str, Any],
    files: list[tuple[str, bytes, str]],
) -> httpx.Response:
    return await client.post(
        f"/v1/tickets/{ticket_id}/interactions",
        data={"interaction": json.dumps(interaction)},
        files=[("files", f) for f in files],
    )


REPLY = {"kind": "email", "direction": "outbound", "body": "The log you asked for."}


async def counts(db: Database) -> tuple[int, int, int]:
    async with connection(db) as conn:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM interactions) AS i,"
            " (SELECT count(*) FROM attachments) AS a,"
            " (SELECT count(*) FROM attachment_chunks) AS c"
        )
    return row["i"], row["a"], row["c"]


async def test_files_sent_with_the_interaction_are_stored_and_listed_on_it(
    client: httpx.AsyncClient,
) -> None:
    ticket = await make_ticket(client)
    log = os.urandom(300_000)
    sent = await post_form(
        client,
        ticket["id"],
        REPLY,
        [("Σφάλμα.log", log, "text/plain"), ("screen.png", PNG, "image/png")],
    )
    assert sent.status_code == 201, sent.text
    files = {a["filename"]: a for a in sent.json()["attachments"]}
    assert set(files) == {"Σφάλμα.log", "screen.png"}
    assert files["screen.png"]["content_type"] == "image/png"
    assert all(a["interaction_id"] == sent.json()["id"] for a in files.values())
    got = await client.get(f"/v1/attachments/{files['Σφάλμα.log']['id']}")
    assert got.content == log
    listed = (await client.get(f"/v1/tickets/{ticket['id']}/interactions")).json()["items"]
    assert {a["id"] for a in listed[0]["attachments"]} == {a["id"] for a in files.values()}


async def test_a_file_over_the_limit_is_a_413_naming_it_and_nothing_is_written(
    app, client: httpx.AsyncClient, db: Database
) -> None:  # type: ignore[no-untyped-def]
    ticket = await make_ticket(client)
    before = await counts(db)
    desk = app.state.desk
    settings = desk.settings
    desk.settings = settings.model_copy(update={"attachment_max_bytes": 1000})
    try:
        refused = await post_form(
            client,
            ticket["id"],
            REPLY,
            [("small.txt", b"fits", "text/plain"), ("big.bin", os.urandom(1001), "x/y")],
        )
    finally:
        desk.settings = settings
    assert refused.status_code == 413, refused.text
    problem = refused.json()
    assert refused.headers["content-type"] == "application/problem+json"
    assert problem["limit"] == "HELPDESK_ATTACHMENT_MAX_BYTES"
    assert problem["errors"][0]["field"] == "files.1"
    assert "big.bin" in problem["errors"][0]["message"]
    assert await counts(db) == before


async def test_the_message_limit_holds_for_the_files_together(
    app, client: httpx.AsyncClient, db: Database
) -> None:  # type: ignore[no-untyped-def]
    ticket = await make_ticket(client)
    before = await counts(db)
    desk = app.state.desk
    settings = desk.settings
    desk.settings = settings.model_copy(update={"attachment_message_max_bytes": 1000})
    try:
        refused = await post_form(
            client,
            ticket["id"],
            REPLY,
            [("a.bin", os.urandom(600), "x/y"), ("b.bin", os.urandom(600), "x/y")],
        )
    finally:
        desk.settings = settings
    assert refused.status_code == 413, refused.text
    assert refused.json()["limit"] == "HELPDESK_ATTACHMENT_MESSAGE_MAX_BYTES"
    assert await counts(db) == before


async def test_a_refused_interaction_leaves_no_file_behind(
    client: httpx.AsyncClient, db: Database
) -> None:
    ticket = await make_ticket(client)
    before = await counts(db)
    # A note cannot be outbound: the interaction is refused after its files were read.
    refused = await post_form(
        client,
        ticket["id"],
        {"kind": "note", "direction": "outbound", "body": "x"},
        [("a.txt", b"content", "text/plain")],
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "direction"
    # Invalid JSON fields are named under the interaction part.
    bad = await post_form(client, ticket["id"], {"kind": "email"}, [("a", b"a", "text/plain")])
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"interaction.direction"}
    stray = await client.post(
        f"/v1/tickets/{ticket['id']}/interactions",
        data={"interaction": json.dumps(REPLY)},
        files=[("file", ("a.txt", b"x", "text/plain"))],
    )
    assert stray.status_code == 422
    assert stray.json()["errors"][0]["field"] == "file"
    # A closed ticket refuses the interaction: its files are not kept either.
    closed = await make_ticket(client)
    current = (await client.get(f"/v1/tickets/{closed['id']}")).json()
    shut = await client.patch(
        f"/v1/tickets/{closed['id']}",
        json={"status": "closed"},
        headers={"If-Match": f'"{current["version"]}"'},
    )
    assert shut.status_code == 200, shut.text
    before = await counts(db)
    late = await post_form(client, closed["id"], REPLY, [("late.txt", b"late", "text/plain")])
    assert late.status_code == 409, late.text
    assert await counts(db) == before


async def test_a_form_streams_to_the_s3_backend(
    client: httpx.AsyncClient,
    s3: tuple[Any, str],  # noqa: F811 (the fixture)
) -> None:
    s3_api, bucket = s3
    ticket = await make_ticket(client)
    content = os.urandom(2_000_000)  # larger than the JSON body limit
    sent = await post_form(client, ticket["id"], REPLY, [("trace.bin", content, "x/trace")])
    assert sent.status_code == 201, sent.text
    file = sent.json()["attachments"][0]
    assert s3_keys(s3_api, bucket) == {f"files/{file['sha256']}"}
    assert (await client.get(f"/v1/attachments/{file['id']}")).content == content


async def test_a_customer_sends_files_with_their_reply_and_sees_them_as_a_customer(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    customer = await make_customer(client)
    ticket = await make_ticket(client, customer_id=customer["id"])
    async with client_for(app, await portal_token(client, customer["id"])) as mine:
        reply = await post_form(
            mine,
            ticket["id"],
            {"kind": "chat", "body": "see the screenshot"},
            [("screen.png", PNG, "image/png")],
        )
        assert reply.status_code == 201, reply.text
        shown = reply.json()
        # The customer's projection, as for a JSON reply.
        plain = await mine.post(
            f"/v1/tickets/{ticket['id']}/interactions", json={"kind": "chat", "body": "hello"}
        )
        assert plain.status_code == 201, plain.text
        assert set(shown) == set(plain.json())
        assert "created_by_key_id" not in shown and "sha256" not in shown["attachments"][0]
        assert shown["attachments"][0]["filename"] == "screen.png"
        assert set(shown["attachments"][0]) == {"id", "filename", "content_type", "size"}
        got = await mine.get(f"/v1/attachments/{shown['attachments'][0]['id']}")
        assert got.content == PNG
        # The customer's own-reply rules hold for a form as for JSON.
        posing = await post_form(
            mine,
            ticket["id"],
            {"kind": "note", "direction": "internal", "public": False, "body": "x"},
            [("x.txt", b"x", "text/plain")],
        )
        assert posing.status_code == 403, posing.text
    listed = (await client.get(f"/v1/tickets/{ticket['id']}/interactions")).json()["items"]
    assert listed[0]["author_type"] == "customer"
    assert listed[0]["attachments"][0]["filename"] == "screen.png"


async def test_a_form_holds_only_its_two_parts_as_its_published_schema_says(
    client: httpx.AsyncClient, db: Database
) -> None:
    """Any part besides `interaction` and `files` is refused, naming it (or the body, past the
    parts a form may hold), and the published schema says so: no other property."""
    spec = (await client.get("/openapi.json")).json()
    operation = spec["paths"]["/v1/tickets/{ticket_id}/interactions"]["post"]
    form = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["additionalProperties"] is False
    assert set(form["properties"]) == {"interaction", "files"}

    ticket = await make_ticket(client)
    before = await counts(db)
    extra = await client.post(
        f"/v1/tickets/{ticket['id']}/interactions",
        data={"interaction": json.dumps(REPLY), "note": "x"},
        files=[("files", ("a.txt", b"x", "text/plain"))],
    )
    assert extra.status_code == 422, extra.text
    assert extra.json()["errors"][0]["field"] == "note"
    many = await client.post(
        f"/v1/tickets/{ticket['id']}/interactions",
        data={"interaction": json.dumps(REPLY), "a": "1", "b": "2", "c": "3"},
        files=[("files", ("a.txt", b"x", "text/plain"))],
    )
    assert many.status_code == 422, many.text
    assert await counts(db) == before
