"""What becomes of files outside an interaction: held mail keeps its files until a person
accepts it (they go on the interaction it appends) or rejects it (erased); an upload nothing
sent is deleted, row and content, HELPDESK_ATTACHMENT_UNSENT_HOURS after it came."""

import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import httpx

from app.db import Database, connection
from app.services import timer_handlers
from tests.api.factories import log, make_customer, make_ticket, send_email
from tests.api.test_attachments import PDF, PNG, chunks_in_db, uploaded


def held_mail(ticket_id: int, attachment: bytes, filename: str) -> bytes:
    """A stranger's answer to the ticket (its subject token): held."""
    message = EmailMessage()
    message["From"] = "Mallory <mallory@elsewhere.example>"
    message["To"] = "support@desk.example.com"
    message["Subject"] = f"Re: Problem [#{ticket_id}]"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@elsewhere.example>"
    message.set_content("Here is the invoice you wanted.")
    message.add_attachment(attachment, maintype="application", subtype="pdf", filename=filename)
    return message.as_bytes()


async def test_held_mail_keeps_its_files_and_accepting_it_attaches_them(
    client: httpx.AsyncClient,
) -> None:
    customer = await make_customer(client, email="grace@example.com")
    ticket = await make_ticket(client, customer_id=customer["id"])
    held = (await send_email(client, held_mail(ticket["id"], PDF, "Rechnung.pdf"))).json()
    assert held["outcome"] == "held"
    assert (await client.get(f"/v1/tickets/{ticket['id']}/interactions")).json()["items"] == []
    accepted = await client.post(f"/v1/inbound/held/{held['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    items = (await client.get(f"/v1/tickets/{ticket['id']}/interactions")).json()["items"]
    assert len(items) == 1
    files = items[0]["attachments"]
    assert [(a["filename"], a["content_type"]) for a in files] == [
        ("Rechnung.pdf", "application/pdf")
    ]
    assert (await client.get(f"/v1/attachments/{files[0]['id']}")).content == PDF


async def test_rejecting_held_mail_erases_its_files(
    client: httpx.AsyncClient, db: Database
) -> None:
    customer = await make_customer(client, email="grace@example.com")
    ticket = await make_ticket(client, customer_id=customer["id"])
    content = b"%PDF-1.7\n a stranger's file, nowhere else"
    held = (await send_email(client, held_mail(ticket["id"], content, "x.pdf"))).json()
    async with connection(db) as conn:
        sha256 = await conn.fetchval(
            "SELECT sha256 FROM attachments WHERE held_email_id = $1", held["id"]
        )
    assert sha256 is not None and await chunks_in_db(db, sha256) == 1
    rejected = await client.post(f"/v1/inbound/held/{held['id']}/reject")
    assert rejected.status_code == 200, rejected.text
    assert await chunks_in_db(db, sha256) == 0
    async with connection(db) as conn:
        row = await conn.fetchrow(
            "SELECT filename, sha256, erased_at FROM attachments WHERE held_email_id = $1",
            held["id"],
        )
    assert (row["filename"], row["sha256"]) == ("[erased]", None)
    assert row["erased_at"] is not None


async def test_an_upload_never_sent_is_deleted_after_the_setting_s_hours(
    app, client: httpx.AsyncClient, db: Database
) -> None:  # type: ignore[no-untyped-def]
    desk = app.state.desk
    ticket = await make_ticket(client)
    forgotten = await uploaded(client, PNG, filename="forgotten.png", content_type="image/png")
    sent = await uploaded(client, b"sent in time")
    shared = await uploaded(client, b"the same bytes, sent by another")
    same_bytes = await uploaded(client, b"the same bytes, sent by another")
    await log(client, ticket["id"], attachment_ids=[sent["id"], same_bytes["id"]])
    now = datetime.now(UTC)
    hours = desk.settings.attachment_unsent_hours
    assert hours == 24
    early = await timer_handlers.fire_due(desk, now + timedelta(hours=hours - 1), batch=100)
    assert early.actions["upload_expired"] == 0
    assert (await client.get(f"/v1/attachments/{forgotten['id']}")).status_code == 200
    due = await timer_handlers.fire_due(desk, now + timedelta(hours=hours, minutes=1), batch=100)
    assert due.actions["upload_expired"] == 2  # the forgotten one and the unsent twin
    async with connection(db) as conn:
        left = {r["id"] for r in await conn.fetch("SELECT id FROM attachments")}
    assert left == {sent["id"], same_bytes["id"]}
    assert await chunks_in_db(db, forgotten["sha256"]) == 0
    # Content another attachment holds stays.
    assert await chunks_in_db(db, shared["sha256"]) == 1
    assert (await client.get(f"/v1/attachments/{same_bytes['id']}")).content == (
        b"the same bytes, sent by another"
    )
    assert (await client.get(f"/v1/attachments/{forgotten['id']}")).status_code == 404
