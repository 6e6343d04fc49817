"""The audit trigger's column-by-column comparison of tickets, interactions, outbound_emails and
reminders: it names the fields (and the row and ticket) the whole-row JSON comparison named, and
it is written out from the current columns."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from alembic import command

from app.db import alembic_config, libpq_url

# The generic comparison of audit_row(), run here over the row images the test takes.
SKIPPED = [
    "id",
    "created_at",
    "updated_at",
    "version",
    "search_vector",
    "txid",
    "key_hash",
    "last_used_at",
]
_INSERTED = """
    SELECT ARRAY(SELECT key FROM jsonb_each($1::jsonb)
                 WHERE value <> 'null'::jsonb AND key <> ALL ($2::text[]) ORDER BY key)
"""
_UPDATED = """
    SELECT ARRAY(SELECT n.key FROM jsonb_each($1::jsonb) n
                 WHERE n.value IS DISTINCT FROM $2::jsonb -> n.key
                   AND n.key <> ALL ($3::text[]) ORDER BY n.key)
"""
# The row and ticket the generic comparison's entry named, from the row's JSON image.
_NAMED = """
    SELECT ($1::jsonb ->> 'id')::bigint,
           CASE WHEN $2 = 'tickets' THEN ($1::jsonb ->> 'id')::bigint
                ELSE ($1::jsonb ->> 'ticket_id')::bigint END
"""
_SOURCE = "SELECT pg_get_functiondef('audit_row'::regproc)"


@pytest.fixture
async def conn(fresh_database: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(libpq_url(fresh_database))
    try:
        yield connection
    finally:
        await connection.close()


async def _image(conn: asyncpg.Connection, table: str, row_id: int) -> str:
    image: str = await conn.fetchval(
        f"SELECT to_jsonb(r)::text FROM {table} r WHERE id = $1", row_id
    )
    return image


async def _entry(conn: asyncpg.Connection, table: str, row_id: int, action: str) -> list[str]:
    fields: list[str] = await conn.fetchval(
        "SELECT fields FROM audit_log WHERE resource = $1 AND resource_id = $2 AND action = $3"
        " ORDER BY id DESC LIMIT 1",
        table,
        row_id,
        action,
    )
    return fields


async def _ticket(conn: asyncpg.Connection, subject: str) -> int:
    """A new ticket with only the columns a ticket must have."""
    ticket_id: int = await conn.fetchval(
        """INSERT INTO tickets (subject, type, status, impact, urgency, priority,
               priority_reason, channel, tier, created_at, updated_at, reopen_count,
               agent_reply_count, customer_reply_count, interaction_count, version,
               sla_paused, sla_breached)
           VALUES ($1, 'incident', 'new', 'user', 'low', 'low', 'x', 'email', 1,
               now(), now(), 0, 0, 0, 0, 1, false, false)
           RETURNING id""",
        subject,
    )
    return ticket_id


async def test_entries_name_the_fields_the_row_comparison_names(conn: asyncpg.Connection) -> None:
    ticket_id = await conn.fetchval(
        """INSERT INTO tickets (subject, description, type, status, impact, urgency, priority,
               priority_reason, tags, channel, tier, created_at, updated_at, reopen_count,
               agent_reply_count, customer_reply_count, interaction_count, version, status_log,
               sla_paused, sla_breached)
           VALUES ('Printer jams', 'On every second page', 'incident', 'new', 'user', 'low',
               'low', 'impact=user × urgency=low → low', '{printer}', 'email', 1, now(), now(),
               0, 0, 0, 0, 1, '[["2026-12-07T09:00:00+00:00", "new"]]', false, false)
           RETURNING id"""
    )
    created = await _image(conn, "tickets", ticket_id)
    assert await _entry(conn, "tickets", ticket_id, "create") == await conn.fetchval(
        _INSERTED, created, SKIPPED
    )
    assert "subject" in await _entry(conn, "tickets", ticket_id, "create")

    # Text, an array, a JSON document, a timestamp, a number, and bookkeeping only.
    await conn.execute(
        """UPDATE tickets SET subject = 'Printer jams daily', tags = '{printer,floor-3}',
               status_log = status_log || '[["2026-12-07T10:00:00+00:00", "open"]]'::jsonb,
               status = 'open', first_responded_at = now(), tier = 2, description = NULL,
               version = version + 1, updated_at = now()
           WHERE id = $1""",
        ticket_id,
    )
    updated = await _image(conn, "tickets", ticket_id)
    fields = await _entry(conn, "tickets", ticket_id, "update")
    assert fields == await conn.fetchval(_UPDATED, updated, created, SKIPPED)
    assert fields == [
        "description",
        "first_responded_at",
        "status",
        "status_log",
        "subject",
        "tags",
        "tier",
    ]
    before = await conn.fetchval("SELECT count(*) FROM audit_log")
    await conn.execute("UPDATE tickets SET version = version + 1 WHERE id = $1", ticket_id)
    assert await conn.fetchval("SELECT count(*) FROM audit_log") == before  # nothing changed

    interaction_id = await conn.fetchval(
        """INSERT INTO interactions (ticket_id, kind, direction, public, author_type, body,
               occurred_at, created_at)
           VALUES ($1, 'note', 'internal', false, 'agent', 'Checked the spooler', now(), now())
           RETURNING id""",
        ticket_id,
    )
    logged = await _image(conn, "interactions", interaction_id)
    assert await _entry(conn, "interactions", interaction_id, "create") == await conn.fetchval(
        _INSERTED, logged, SKIPPED
    )
    entry = await conn.fetchrow(
        "SELECT resource_id, ticket_id FROM audit_log WHERE resource = 'interactions'"
    )
    assert (entry["resource_id"], entry["ticket_id"]) == (interaction_id, ticket_id)
    await conn.execute("DELETE FROM interactions WHERE id = $1", interaction_id)
    deleted = await conn.fetchrow(
        "SELECT resource_id, ticket_id, fields FROM audit_log"
        " WHERE resource = 'interactions' AND action = 'delete'"
    )
    assert tuple(deleted) == (interaction_id, ticket_id, None)


async def _last_entry(conn: asyncpg.Connection, table: str) -> asyncpg.Record:
    entry: asyncpg.Record = await conn.fetchrow(
        "SELECT action, resource_id, ticket_id, fields FROM audit_log WHERE resource = $1"
        " ORDER BY id DESC LIMIT 1",
        table,
    )
    return entry


async def _same_as_generic(
    conn: asyncpg.Connection, table: str, image: str, before: str | None = None
) -> None:
    """The table's latest entry names what the JSON comparison names for a row whose image
    (JSON) is `image`: inserted, or updated from `before`."""
    entry = await _last_entry(conn, table)
    if before is None:
        fields = await conn.fetchval(_INSERTED, image, SKIPPED)
    else:
        fields = await conn.fetchval(_UPDATED, image, before, SKIPPED)
    named = tuple(await conn.fetchrow(_NAMED, image, table))
    assert (entry["action"], entry["fields"]) == ("create" if before is None else "update", fields)
    assert (entry["resource_id"], entry["ticket_id"]) == named


async def test_a_reply_s_headers_and_reminders_are_recorded_as_the_row_comparison_records_them(
    conn: asyncpg.Connection,
) -> None:
    """outbound_emails (no `id` column: its entries name no row, as the JSON's missing key
    named none) and reminders, written as an email reply and the follow-up worker write them."""
    source = await conn.fetchval(_SOURCE)
    for table in ("outbound_emails", "reminders"):  # compared column by column, not as JSON
        assert f"IF TG_TABLE_NAME = '{table}' THEN" in source
    ticket_id = await _ticket(conn, "Printer jams")
    interaction_id = await conn.fetchval(
        """INSERT INTO interactions (ticket_id, kind, direction, public, author_type, body,
               occurred_at, created_at)
           VALUES ($1, 'email', 'outbound', true, 'agent', 'Fixed.', now(), now())
           RETURNING id""",
        ticket_id,
    )
    sent = (
        f"SELECT to_jsonb(r)::text FROM outbound_emails r WHERE interaction_id = {interaction_id}"
    )
    await conn.execute(
        """INSERT INTO outbound_emails (interaction_id, ticket_id, message_id, in_reply_to,
               "references", reference_token, subject, created_at)
           VALUES ($1, $2, '<hd.1.1.x@desk.example.com>', NULL, '{<q1@mail.example.com>}',
               '[ref:1.x]', 'Re: Printer jams [#1]', now())""",
        interaction_id,
        ticket_id,
    )
    created = await conn.fetchval(sent)
    await _same_as_generic(conn, "outbound_emails", created)
    assert (await _last_entry(conn, "outbound_emails"))["resource_id"] is None
    # As an erasure redacts it: text, and an array emptied (its default, never NULL).
    await conn.execute(
        "UPDATE outbound_emails SET subject = '[erased]', cc = '{}', in_reply_to = '<q@x>',"
        " \"references\" = '{<q1@mail.example.com>,<q2@mail.example.com>}'"
        " WHERE interaction_id = $1",
        interaction_id,
    )
    await _same_as_generic(conn, "outbound_emails", await conn.fetchval(sent), created)
    before = await conn.fetchval("SELECT count(*) FROM audit_log")
    await conn.execute(
        "UPDATE outbound_emails SET cc = '{}' WHERE interaction_id = $1", interaction_id
    )
    assert await conn.fetchval("SELECT count(*) FROM audit_log") == before  # nothing changed
    await conn.execute("DELETE FROM outbound_emails WHERE interaction_id = $1", interaction_id)
    deleted = await _last_entry(conn, "outbound_emails")
    assert tuple(deleted) == ("delete", None, ticket_id, None)

    reminder_id = await conn.fetchval(
        """INSERT INTO reminders (ticket_id, kind, due_at, status, created_at, version)
           VALUES ($1, 'follow_up', now(), 'open', now(), 1) RETURNING id""",
        ticket_id,
    )
    raised = await _image(conn, "reminders", reminder_id)
    await _same_as_generic(conn, "reminders", raised)
    await conn.execute(
        "UPDATE reminders SET status = 'done', done_at = now(), version = version + 1"
        " WHERE id = $1",
        reminder_id,
    )
    await _same_as_generic(conn, "reminders", await _image(conn, "reminders", reminder_id), raised)
    assert (await _last_entry(conn, "reminders"))["fields"] == ["done_at", "status"]
    await conn.execute("DELETE FROM reminders WHERE id = $1", reminder_id)
    assert tuple(await _last_entry(conn, "reminders")) == ("delete", reminder_id, ticket_id, None)


async def test_a_new_column_is_compared_once_the_trigger_is_written_again(
    conn: asyncpg.Connection,
) -> None:
    """A migration that changes the columns of tickets, interactions, outbound_emails or
    reminders calls `SELECT audit_row_rebuild()` after it: until it does, the trigger's source differs from what
    the rebuild writes (the first assertion is the check that catches a forgotten call)."""
    source = await conn.fetchval(_SOURCE)
    probe = conn.transaction()
    await probe.start()
    try:
        await conn.execute("SELECT audit_row_rebuild()")
        assert await conn.fetchval(_SOURCE) == source, (
            "audit_row() does not name every column of the tables it compares (tickets, "
            "interactions, outbound_emails, reminders): a migration "
            "changed their columns without `SELECT audit_row_rebuild()` after it"
        )
        await conn.execute("ALTER TABLE interactions ADD COLUMN helpdesk_probe text")
        await conn.execute("SELECT audit_row_rebuild()")
        assert await conn.fetchval(_SOURCE) != source
        ticket_id = await _ticket(conn, "Probe")
        interaction_id = await conn.fetchval(
            """INSERT INTO interactions (ticket_id, kind, direction, public, author_type, body,
                   occurred_at, created_at, helpdesk_probe)
               VALUES ($1, 'note', 'internal', false, 'agent', 'x', now(), now(), 'probe')
               RETURNING id""",
            ticket_id,
        )
        assert "helpdesk_probe" in await _entry(conn, "interactions", interaction_id, "create")
    finally:
        await probe.rollback()


async def test_going_below_0036_compares_only_tickets_and_interactions_again(
    fresh_database: str, conn: asyncpg.Connection
) -> None:
    source = await conn.fetchval(_SOURCE)
    config = alembic_config(fresh_database)
    await asyncio.to_thread(command.downgrade, config, "0036-1")
    below = await conn.fetchval(_SOURCE)
    assert "IF TG_TABLE_NAME = 'interactions' THEN" in below
    assert "TG_TABLE_NAME = 'outbound_emails'" not in below
    assert "TG_TABLE_NAME = 'reminders'" not in below
    # The branches of the two tables compared before are written as before, to the letter.
    assert below.startswith(source.split("IF TG_TABLE_NAME = 'outbound_emails'")[0])
    await asyncio.to_thread(command.upgrade, config, "head")
    assert await conn.fetchval(_SOURCE) == source
