"""Attachments: uploaded and sent with an interaction, received with mail, listed on the
interaction and downloaded by id; stored in PostgreSQL or in a real S3 API server (moto in
server mode, on loopback), deduplicated, streamed both ways in bounded memory; served safely;
visible exactly when their interaction is; erased with their person from both backends."""

import asyncio
import hashlib
import os
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from app.db import Database, connection
from tests.api.conftest import client_for, new_key
from tests.api.factories import created, log, make_customer, make_ticket, send_email
from tests.api.test_portal import portal_token

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
MIB = 1024 * 1024


# ---- a real S3 API server --------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture
def s3(app, s3_endpoint: str) -> Iterator[tuple[Any, str]]:  # type: ignore[no-untyped-def]
    """The app on the s3 backend for one test, with a bucket of its own: (client, bucket)."""
    bucket = f"helpdesk-{uuid.uuid4().hex[:12]}"
    client = s3_client(s3_endpoint)
    client.create_bucket(Bucket=bucket)
    desk = app.state.desk
    before = desk.settings
    desk.settings = before.model_copy(
        update={
            "attachment_storage": "s3",
            "s3_bucket": bucket,
            "s3_prefix": "files/",
            "s3_endpoint_url": s3_endpoint,
            "s3_access_key_id": "test",
            "s3_secret_access_key": SecretStr("test"),
        }
    )
    yield client, bucket
    desk.settings = before


def on_postgres(app) -> None:  # type: ignore[no-untyped-def]
    """Back to the default backend within a test (the s3 fixture restores it at the end)."""
    desk = app.state.desk
    desk.settings = desk.settings.model_copy(update={"attachment_storage": "postgres"})


def s3_keys(client: Any, bucket: str) -> set[str]:
    listed = client.list_objects_v2(Bucket=bucket)
    return {o["Key"] for o in listed.get("Contents", [])}


# ---- helpers ---------------------------------------------------------------------------------


async def upload(
    client: httpx.AsyncClient,
    content: bytes,
    filename: str = "notes.txt",
    content_type: str = "text/plain",
) -> httpx.Response:
    return await client.post(
        "/v1/attachments",
        params={"filename": filename},
        content=content,
        headers={"Content-Type": content_type},
    )


async def uploaded(client: httpx.AsyncClient, content: bytes, **kw: str) -> dict[str, Any]:
    return await created(await upload(client, content, **kw))


async def chunks_in_db(db: Database, sha256: str) -> int:
    async with connection(db) as conn:
        return int(
            await conn.fetchval("SELECT count(*) FROM attachment_chunks WHERE sha256 = $1", sha256)
        )


# ---- round trips -----------------------------------------------------------------------------


async def test_an_upload_sent_with_a_reply_is_listed_and_downloads_as_it_was(
    client: httpx.AsyncClient, db: Database
) -> None:
    ticket = await make_ticket(client)
    content = os.urandom(600_000)  # three chunks of the postgres backend
    file = await uploaded(client, content, filename="trace.bin", content_type="application/x-trace")
    assert file["interaction_id"] is None
    assert file["sha256"] == hashlib.sha256(content).hexdigest()
    assert file["size"] == len(content)
    assert await chunks_in_db(db, file["sha256"]) == 3
    reply = await log(client, ticket["id"], attachment_ids=[file["id"]])
    assert [a["id"] for a in reply["attachments"]] == [file["id"]]
    listed = (await client.get(f"/v1/tickets/{ticket['id']}/interactions")).json()["items"]
    assert listed[0]["attachments"][0] | {"interaction_id": None} == file
    got = await client.get(f"/v1/attachments/{file['id']}")
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["content-type"] == "application/x-trace"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment;")
    # Sent once: it cannot go out with another message.
    again = await client.post(
        f"/v1/tickets/{ticket['id']}/interactions",
        json={
            "kind": "email",
            "direction": "outbound",
            "body": "again",
            "attachment_ids": [file["id"]],
        },
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "attachment_ids.0"


async def test_the_same_content_is_stored_once(client: httpx.AsyncClient, db: Database) -> None:
    content = os.urandom(300_000)
    first = await uploaded(client, content, filename="a.bin")
    second = await uploaded(client, content, filename="b.bin")
    assert first["id"] != second["id"] and first["sha256"] == second["sha256"]
    assert await chunks_in_db(db, first["sha256"]) == 2


async def test_the_s3_backend_round_trips_through_a_real_s3_api(
    client: httpx.AsyncClient, s3: tuple[Any, str]
) -> None:
    s3_api, bucket = s3
    ticket = await make_ticket(client)
    small = await uploaded(client, b"hello over s3")
    # Over one S3 part: written by multipart upload.
    big_content = os.urandom(11 * MIB + 123)
    big = await uploaded(client, big_content, filename="big.bin", content_type="application/x-big")
    assert s3_keys(s3_api, bucket) == {f"files/{small['sha256']}", f"files/{big['sha256']}"}
    stored = s3_api.get_object(Bucket=bucket, Key=f"files/{big['sha256']}")["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == big["sha256"]
    await log(client, ticket["id"], attachment_ids=[small["id"], big["id"]])
    assert (await client.get(f"/v1/attachments/{small['id']}")).content == b"hello over s3"
    got = await client.get(f"/v1/attachments/{big['id']}")
    assert hashlib.sha256(got.content).hexdigest() == big["sha256"]
    # The same bytes again: no second object.
    await uploaded(client, b"hello over s3", filename="again.txt")
    assert len(s3_keys(s3_api, bucket)) == 2


# ---- 25 MB in bounded memory -----------------------------------------------------------------


async def _asgi(
    app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]], body: Iterator[bytes]
) -> tuple[int, dict[bytes, bytes], str, int]:
    """Call the app as a server would, the request body fed chunk by chunk and the response's
    hashed and dropped as it comes: (status, headers, sha256 of the body, its size)."""
    pending = iter(body)
    status = 0
    got_headers: dict[bytes, bytes] = {}
    digest = hashlib.sha256()
    size = 0
    done = False

    async def receive() -> dict[str, Any]:
        nonlocal done
        if done:  # the client stays connected: a server's receive waits
            await asyncio.Event().wait()
        data = next(pending, None)
        if data is None:
            done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": data, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, size
        if message["type"] == "http.response.start":
            status = message["status"]
            got_headers.update(dict(message.get("headers", [])))
        elif message["type"] == "http.response.body":
            data = message.get("body", b"")
            digest.update(data)
            size += len(data)

    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("test", 80),
        "root_path": "",
    }
    await app(scope, receive, send)
    return status, got_headers, digest.hexdigest(), size


def _pattern(total: int, piece: int = 64 * 1024) -> Iterator[bytes]:
    """`total` bytes made piece by piece (never held whole), each piece different."""
    for n in range(0, total, piece):
        yield hashlib.sha256(str(n).encode()).digest() * (min(piece, total - n) // 32)


async def test_25_mb_up_and_down_in_bounded_memory(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    total = 25 * MIB
    expected = hashlib.sha256()
    for piece in _pattern(total):
        expected.update(piece)
    secret = await new_key(app, "admin")
    auth = (b"authorization", f"Bearer {secret}".encode())
    answer = "0"
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        status, answer_headers, _, _ = await _asgi(
            app,
            "POST",
            "/v1/attachments?filename=big.bin",
            [auth, (b"content-type", b"application/octet-stream")],
            _pattern(total),
        )
        _, upload_peak = tracemalloc.get_traced_memory()
        assert status == 201
        answer = answer_headers[b"location"].decode().rsplit("/", 1)[1]
        tracemalloc.reset_peak()
        status, headers, digest, size = await _asgi(
            app, "GET", f"/v1/attachments/{int(answer)}", [auth], iter(())
        )
        _, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 200
    assert (size, digest) == (total, expected.hexdigest())
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert upload_peak < 8 * MIB, upload_peak
    assert download_peak < 8 * MIB, download_peak


# ---- limits ----------------------------------------------------------------------------------


async def test_a_file_over_the_limit_is_a_413_naming_the_setting(
    app, client: httpx.AsyncClient, db: Database
) -> None:  # type: ignore[no-untyped-def]
    desk = app.state.desk
    before = desk.settings
    desk.settings = before.model_copy(update={"attachment_max_bytes": 1000})
    try:
        refused = await upload(client, os.urandom(1001))
        fits = await upload(client, os.urandom(1000))

        async def streamed() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
            for _ in range(5):
                yield os.urandom(300)

        unannounced = await client.post(
            "/v1/attachments", params={"filename": "x.bin"}, content=streamed()
        )
    finally:
        desk.settings = before
    for response in (refused, unannounced):
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["limit"] == "HELPDESK_ATTACHMENT_MAX_BYTES"
    assert fits.status_code == 201
    async with connection(db) as conn:
        assert await conn.fetchval("SELECT count(*) FROM attachments") == 1


async def test_a_message_over_its_limit_is_a_413_and_nothing_is_logged(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    ticket = await make_ticket(client)
    files = [await uploaded(client, os.urandom(600)) for _ in range(2)]
    desk = app.state.desk
    before = desk.settings
    desk.settings = before.model_copy(update={"attachment_message_max_bytes": 1000})
    try:
        refused = await client.post(
            f"/v1/tickets/{ticket['id']}/interactions",
            json={
                "kind": "email",
                "direction": "outbound",
                "body": "two files",
                "attachment_ids": [f["id"] for f in files],
            },
        )
    finally:
        desk.settings = before
    assert refused.status_code == 413
    assert refused.json()["limit"] == "HELPDESK_ATTACHMENT_MESSAGE_MAX_BYTES"
    assert refused.json()["errors"][0]["field"] == "attachment_ids"
    listed = (await client.get(f"/v1/tickets/{ticket['id']}/interactions")).json()["items"]
    assert listed == []
    assert (await log(client, ticket["id"], attachment_ids=[files[0]["id"]]))["attachments"]


# ---- safe to serve ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filename",
    ["Τιμολόγιο Μαρτίου.pdf", "ใบแจ้งหนี้ มีนาคม.pdf", 'quote"semi;colon%.pdf'],
)
async def test_non_ascii_names_round_trip_in_content_disposition(
    client: httpx.AsyncClient, filename: str
) -> None:
    file = await uploaded(client, PDF, filename=filename, content_type="application/pdf")
    assert file["filename"] == filename
    got = await client.get(f"/v1/attachments/{file['id']}")
    disposition = got.headers["content-disposition"]
    assert disposition.isascii()
    assert disposition.startswith('attachment; filename="')
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == filename
    assert got.headers["content-type"] == "application/pdf"


async def test_an_upload_without_a_body_is_refused_as_its_schema_says(
    client: httpx.AsyncClient, db: Database
) -> None:
    """The body is the file: none (or none of its bytes) is a 422 naming it, nothing stored;
    the published request body says it needs one byte at least."""
    spec = (await client.get("/openapi.json")).json()
    body = spec["paths"]["/v1/attachments"]["post"]["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/octet-stream"]["schema"]["minLength"] == 1
    for sent in (
        client.post("/v1/attachments", params={"filename": "empty.txt"}),
        upload(client, b"", filename="empty.txt"),
    ):
        refused = await sent
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "body"
    async with connection(db) as conn:
        assert await conn.fetchval("SELECT count(*) FROM attachments") == 0
    assert (await upload(client, b"x", filename="one-byte.txt")).status_code == 201


async def test_a_path_in_the_name_is_dropped(client: httpx.AsyncClient) -> None:
    file = await uploaded(client, b"x", filename="../../etc/passwd")
    assert file["filename"] == "passwd"


@pytest.mark.parametrize(
    ("declared", "content", "recorded"),
    [
        ("image/png", PNG, "image/png"),
        ("image/png", b"<script>alert(1)</script>", "application/octet-stream"),
        ("image/jpeg", PNG, "application/octet-stream"),
        ("text/plain", PDF, "application/octet-stream"),
        ("text/html", b"GIF89a" + bytes(10), "application/octet-stream"),
        ("application/pdf", PDF, "application/pdf"),
        ("application/zip", b"MZ\x90\x00", "application/octet-stream"),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            b"PK\x03\x04" + bytes(20),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("text/plain; charset=utf-8", b"plain words", "text/plain"),
        ("not a type", b"plain words", "application/octet-stream"),
    ],
)
async def test_a_type_the_content_contradicts_is_recorded_as_octet_stream(
    client: httpx.AsyncClient, declared: str, content: bytes, recorded: str
) -> None:
    file = await uploaded(client, content, content_type=declared)
    assert file["content_type"] == recorded
    got = await client.get(f"/v1/attachments/{file['id']}")
    assert got.headers["content-type"].split(";")[0] == recorded


# ---- access ----------------------------------------------------------------------------------


async def test_a_file_is_visible_exactly_when_its_interaction_is(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    customer = await make_customer(client)
    other = await make_customer(client)
    ticket = await make_ticket(client, customer_id=customer["id"])
    public = await uploaded(client, b"public file")
    internal = await uploaded(client, b"internal file")
    pending = await uploaded(client, b"not sent yet")
    await log(client, ticket["id"], attachment_ids=[public["id"]])
    await log(
        client,
        ticket["id"],
        kind="note",
        direction="internal",
        public=False,
        attachment_ids=[internal["id"]],
    )
    async with client_for(app, await portal_token(client, customer["id"])) as mine:
        assert (await mine.get(f"/v1/attachments/{public['id']}")).content == b"public file"
        assert (await mine.get(f"/v1/attachments/{internal['id']}")).status_code == 404
        assert (await mine.get(f"/v1/attachments/{pending['id']}")).status_code == 404
        shown = await mine.get(
            f"/v1/tickets/{ticket['id']}/interactions", params={"public_only": "true"}
        )
        assert shown.json()["items"][0]["attachments"] == [
            {"id": public["id"], "filename": "notes.txt", "content_type": "text/plain", "size": 11}
        ]
        # The customer's own upload, sent with their reply.
        theirs = await uploaded(mine, PNG, filename="screen.png", content_type="image/png")
        reply = await mine.post(
            f"/v1/tickets/{ticket['id']}/interactions",
            json={"kind": "chat", "body": "see screenshot", "attachment_ids": [theirs["id"]]},
        )
        assert reply.status_code == 201, reply.text
        assert reply.json()["attachments"][0]["id"] == theirs["id"]
        # Someone else's unsent upload cannot be sent by the customer.
        stolen = await mine.post(
            f"/v1/tickets/{ticket['id']}/interactions",
            json={"kind": "chat", "body": "x", "attachment_ids": [pending["id"]]},
        )
        assert stolen.status_code == 422
    async with client_for(app, await portal_token(client, other["id"])) as stranger:
        assert (await stranger.get(f"/v1/attachments/{public['id']}")).status_code == 404
    # An agent of another team sees nothing of a ticket they do not see.
    team = (await client.post("/v1/teams", json={"name": "Elsewhere", "tier": 1})).json()
    agent = (
        await client.post(
            "/v1/agents",
            json={"name": "Agent E", "email": "e@desk.example.com", "team_id": team["id"]},
        )
    ).json()
    routed = await make_ticket(client, team_id=team["id"])
    theirs_file = await uploaded(client, b"team file")
    await log(client, routed["id"], attachment_ids=[theirs_file["id"]])
    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as outsider:
        assert (await outsider.get(f"/v1/attachments/{public['id']}")).status_code == 404
        assert (await outsider.get(f"/v1/attachments/{theirs_file['id']}")).status_code == 200
        # Nor may they download an admin's unsent upload.
        assert (await outsider.get(f"/v1/attachments/{pending['id']}")).status_code == 404


async def test_only_your_own_unsent_upload_can_be_sent_as_the_schema_says(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    """`attachment_ids` names the caller's own uploads not yet sent: another key's, a sent one
    or an id nobody uploaded is refused naming its position, by the rule its description
    states."""
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    described = schemas["InteractionCreate"]["properties"]["attachment_ids"]["description"]
    assert "is not an upload of yours" in described and "was sent already" in described
    ticket = await make_ticket(client)
    sent = await uploaded(client, b"sent once")
    await log(client, ticket["id"], attachment_ids=[sent["id"]])
    async with client_for(app, await new_key(app, "agent")) as other_key:
        foreign = await uploaded(other_key, b"another key's file")
    for ids, phrase in (
        ([foreign["id"]], "is not an upload of yours"),
        ([sent["id"]], "was sent already"),
        ([999_999], "is not an upload of yours"),
    ):
        refused = await client.post(
            f"/v1/tickets/{ticket['id']}/interactions",
            json={"kind": "email", "direction": "outbound", "body": "x", "attachment_ids": ids},
        )
        assert refused.status_code == 422, refused.text
        assert phrase in refused.json()["detail"], refused.text
        assert refused.json()["errors"][0]["field"] == "attachment_ids.0"


async def test_a_download_is_in_the_audit_log(client: httpx.AsyncClient, db: Database) -> None:
    ticket = await make_ticket(client)
    file = await uploaded(client, b"audited")
    await log(client, ticket["id"], attachment_ids=[file["id"]])
    assert (await client.get(f"/v1/attachments/{file['id']}")).status_code == 200
    async with connection(db) as conn:
        read = await conn.fetchrow(
            "SELECT ticket_id FROM audit_log WHERE resource = 'attachments' AND action = 'read'"
            " AND resource_id = $1",
            file["id"],
        )
    assert read is not None and read["ticket_id"] == ticket["id"]


# ---- received with mail ----------------------------------------------------------------------


async def test_mail_with_an_inline_image_and_a_pdf_keeps_both_files(
    client: httpx.AsyncClient,
) -> None:
    message = EmailMessage()
    message["From"] = "Ada Lovelace <ada@example.com>"
    message["To"] = "support@desk.example.com"
    message["Subject"] = "Screenshot of the error"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@mail.example.com>"
    message.set_content("The error is in the screenshot; the invoice is attached.")
    message.add_alternative('<p>The error:</p><img src="cid:shot@mail">', subtype="html")
    message.get_payload()[1].add_related(  # type: ignore[union-attr]
        PNG, maintype="image", subtype="png", cid="<shot@mail>", disposition="inline"
    )
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="Rechnung März.pdf")
    received = await send_email(client, message.as_bytes())
    assert received.status_code == 201, received.text
    ticket_id = received.json()["ticket_id"]
    interaction = (await client.get(f"/v1/tickets/{ticket_id}/interactions")).json()["items"][0]
    files = {a["content_type"]: a for a in interaction["attachments"]}
    assert set(files) == {"image/png", "application/pdf"}
    assert files["application/pdf"]["filename"] == "Rechnung März.pdf"
    assert (await client.get(f"/v1/attachments/{files['image/png']['id']}")).content == PNG
    assert (await client.get(f"/v1/attachments/{files['application/pdf']['id']}")).content == PDF


# ---- erasure ---------------------------------------------------------------------------------


async def test_erasure_deletes_the_persons_files_from_both_backends(
    app, client: httpx.AsyncClient, db: Database, s3: tuple[Any, str]
) -> None:  # type: ignore[no-untyped-def]
    s3_api, bucket = s3
    customer = await make_customer(client)
    neighbour = await make_customer(client)
    ticket = await make_ticket(client, customer_id=customer["id"])
    other_ticket = await make_ticket(client, customer_id=neighbour["id"])
    in_s3 = await uploaded(client, b"kept in s3: the customer's photo")
    on_postgres(app)
    in_db = await uploaded(client, b"kept in postgres: the customer's scan")
    shared_content = b"a form both customers sent"
    shared = await uploaded(client, shared_content)
    neighbours = await uploaded(client, shared_content)
    await log(client, ticket["id"], attachment_ids=[in_s3["id"], in_db["id"], shared["id"]])
    await log(client, other_ticket["id"], attachment_ids=[neighbours["id"]])
    assert s3_keys(s3_api, bucket) == {f"files/{in_s3['sha256']}"}
    assert await chunks_in_db(db, in_db["sha256"]) == 1

    export = (await client.get(f"/v1/customers/{customer['id']}/export")).json()
    exported = export["tickets"][0]["interactions"][0]["attachments"]
    assert {a["id"] for a in exported} == {in_s3["id"], in_db["id"], shared["id"]}

    erased = await client.post(f"/v1/customers/{customer['id']}/erase")
    assert erased.status_code == 200, erased.text
    assert sorted(erased.json()["attachment_ids"]) == sorted(
        [in_s3["id"], in_db["id"], shared["id"]]
    )
    assert s3_keys(s3_api, bucket) == set()
    assert await chunks_in_db(db, in_db["sha256"]) == 0
    # The neighbour's file has the same content: it stays.
    assert await chunks_in_db(db, shared["sha256"]) == 1
    assert (await client.get(f"/v1/attachments/{neighbours['id']}")).content == shared_content
    for gone in (in_s3, in_db, shared):
        assert (await client.get(f"/v1/attachments/{gone['id']}")).status_code == 404
    listed = (await client.get(f"/v1/tickets/{ticket['id']}/interactions")).json()["items"]
    assert {(a["filename"], a["sha256"], a["erased"]) for a in listed[0]["attachments"]} == {
        ("[erased]", None, True)
    }
    # Asked again: the same answer.
    again = await client.post(f"/v1/customers/{customer['id']}/erase")
    assert sorted(again.json()["attachment_ids"]) == sorted(erased.json()["attachment_ids"])


async def test_a_chat_message_carries_the_files_its_gateway_uploaded(
    client: httpx.AsyncClient,
) -> None:
    shot = await uploaded(client, PNG, filename="screen.png", content_type="image/png")
    conversation = {
        "conversation_id": f"c-{uuid.uuid4().hex[:8]}",
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "messages": [
            {
                "id": "m-1",
                "sent_at": "2026-03-02T09:00:00Z",
                "body": "This is what I see",
                "attachment_ids": [shot["id"]],
            }
        ],
    }
    logged = await client.post("/v1/inbound/chat", json=conversation)
    assert logged.status_code in (200, 201), logged.text
    ticket_id = logged.json()["ticket_id"]
    items = (await client.get(f"/v1/tickets/{ticket_id}/interactions")).json()["items"]
    assert [a["id"] for a in items[0]["attachments"]] == [shot["id"]]
    # The gateway's retry of the conversation logs nothing twice and keeps the file where it is.
    again = await client.post("/v1/inbound/chat", json=conversation)
    assert again.status_code in (200, 201), again.text
    items = (await client.get(f"/v1/tickets/{ticket_id}/interactions")).json()["items"]
    assert len(items) == 1 and items[0]["attachments"][0]["id"] == shot["id"]
