"""the audit trigger compares the columns of outbound_emails and reminders one by one too

A public agent email reply writes, besides its interaction, its headers (outbound_emails) and
closes the ticket's open follow-ups (reminders); the follow-up worker raises and settles
reminders in batches. audit_row() still named their changed fields by rendering the whole row
as JSON (`to_jsonb(NEW)`, and OLD on an update) and walking its keys. 0033 taught
audit_row_rebuild() to write the comparison column by column for tickets and interactions; it
now does so for these two tables as well. The entries are the same: the same fields in the same
order, the same resource and ticket ids (outbound_emails has no `id` column: its entries' resource
id stays empty, as the JSON's missing key left it).

audit_row_rebuild() now reads each compared table's row id (`id`, if it has one) and ticket id
(a ticket's own `id`, else its `ticket_id`, if it has one) from the catalog instead of assuming
both. A migration that adds, drops or renames a column of tickets, interactions, outbound_emails
or reminders calls `SELECT audit_row_rebuild()` after it (tests/test_audit_row.py fails until it
does).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The generic part of audit_row(), as 0007 wrote it (unchanged since).
GENERIC = """
    IF TG_OP = 'INSERT' THEN
        new_row := to_jsonb(NEW);
        changed := ARRAY(SELECT key FROM jsonb_each(new_row)
                         WHERE value <> 'null'::jsonb AND key <> ALL (skipped) ORDER BY key);
        written := new_row;
    ELSIF TG_OP = 'UPDATE' THEN
        new_row := to_jsonb(NEW);
        old_row := to_jsonb(OLD);
        changed := ARRAY(SELECT n.key FROM jsonb_each(new_row) n
                         WHERE n.value IS DISTINCT FROM old_row -> n.key
                           AND n.key <> ALL (skipped) ORDER BY n.key);
        IF cardinality(changed) = 0 THEN
            RETURN NULL;
        END IF;
        written := new_row;
    ELSE
        written := to_jsonb(OLD);
    END IF;
    PERFORM audit_append(
        CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
        TG_TABLE_NAME,
        (written ->> 'id')::bigint,
        CASE WHEN TG_TABLE_NAME = 'tickets' THEN (written ->> 'id')::bigint
             ELSE (written ->> 'ticket_id')::bigint END,
        changed,
        context
    );
    RETURN NULL;
"""

DECLARATIONS = """
    skipped CONSTANT text[] := ARRAY['id', 'created_at', 'updated_at', 'version',
                                     'search_vector', 'txid', 'key_hash', 'last_used_at'];
    context jsonb := nullif(current_setting('helpdesk.context', true), '')::jsonb;
    new_row jsonb;
    old_row jsonb;
    changed text[];
    written jsonb;
    row_id bigint;
    ticket bigint;
"""

# A compared table's entry, as 0033 wrote it.
ENTRY = """
        INSERT INTO audit_log (at, actor_type, actor_key_id, actor_agent_id, actor_customer_id,
            actor_role, action, resource, resource_id, ticket_id, fields, request_id,
            client_address)
        VALUES (
            statement_timestamp(),
            coalesce(context ->> 'actor',
                     CASE WHEN current_setting('application_name') = 'helpdesk'
                          THEN 'system' ELSE 'database' END),
            (context ->> 'key_id')::bigint,
            (context ->> 'agent_id')::bigint,
            (context ->> 'customer_id')::bigint,
            coalesce(context ->> 'role', CASE WHEN context IS NULL THEN current_user END),
            CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
            TG_TABLE_NAME, row_id, ticket, changed,
            context ->> 'request_id',
            context ->> 'client'
        );
        RETURN NULL;
"""


def rebuild(compared: Sequence[str]) -> str:
    """audit_row_rebuild() comparing the columns of the `compared` tables: 0033's, but for the
    tables and for the row and ticket ids, which it reads from the catalog (the JSON's
    `->> 'id'` and `->> 'ticket_id'` were empty for a table without that column: so are these).
    For tickets and interactions it writes what 0033's wrote, to the letter."""
    tables = ", ".join(f"'{t}'" for t in compared)
    return (
        """
CREATE OR REPLACE FUNCTION audit_row_rebuild() RETURNS void LANGUAGE plpgsql AS $build$
DECLARE
    compared CONSTANT text[] := ARRAY["""
        + tables
        + """];
    skipped CONSTANT text[] := ARRAY['id', 'created_at', 'updated_at', 'version',
                                     'search_vector', 'txid', 'key_hash', 'last_used_at'];
    t text;
    inserted text;
    updated text;
    row_of text;
    ticket_of text;
    branches text := '';
BEGIN
    FOREACH t IN ARRAY compared LOOP
        SELECT string_agg(format('CASE WHEN NEW.%1$I IS NOT NULL THEN %1$L END', a.attname),
                          ', ' ORDER BY a.attname::text),
               string_agg(
                   CASE WHEN EXISTS (SELECT 1 FROM pg_operator o
                                     WHERE o.oprname = '=' AND o.oprleft = a.atttypid
                                       AND o.oprright = a.atttypid)
                        THEN format('CASE WHEN NEW.%1$I IS DISTINCT FROM OLD.%1$I'
                                    ' THEN %1$L END', a.attname)
                        ELSE format('CASE WHEN NEW.%1$I::text IS DISTINCT FROM OLD.%1$I::text'
                                    ' THEN %1$L END', a.attname)
                   END,
                   ', ' ORDER BY a.attname::text)
        INTO inserted, updated
        FROM pg_attribute a
        WHERE a.attrelid = t::regclass AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attname::text <> ALL (skipped);
        -- The row's id and its ticket's, as `%s` of NEW or OLD: a column, or NULL without one.
        SELECT CASE WHEN bool_or(a.attname = 'id') THEN '%s.id' ELSE 'NULL' END,
               CASE WHEN t = 'tickets' THEN '%s.id'
                    WHEN bool_or(a.attname = 'ticket_id') THEN '%s.ticket_id'
                    ELSE 'NULL' END
        INTO row_of, ticket_of
        FROM pg_attribute a
        WHERE a.attrelid = t::regclass AND a.attnum > 0 AND NOT a.attisdropped;
        branches := branches || format(
            $branch$IF TG_TABLE_NAME = %L THEN
        IF TG_OP = 'INSERT' THEN
            changed := array_remove(ARRAY[%s]::text[], NULL);
            row_id := %s;
            ticket := %s;
        ELSIF TG_OP = 'UPDATE' THEN
            changed := array_remove(ARRAY[%s]::text[], NULL);
            IF cardinality(changed) = 0 THEN
                RETURN NULL;
            END IF;
            row_id := %s;
            ticket := %s;
        ELSE
            row_id := %s;
            ticket := %s;
        END IF;$branch$ || $entry$"""
        + ENTRY
        + """$entry$ || $next$
    END IF;
    $next$,
            t, inserted, format(row_of, 'NEW'), format(ticket_of, 'NEW'),
            updated, format(row_of, 'NEW'), format(ticket_of, 'NEW'),
            format(row_of, 'OLD'), format(ticket_of, 'OLD'));
    END LOOP;
    EXECUTE 'CREATE OR REPLACE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $f$'
        || ' DECLARE ' || $declarations$"""
        + DECLARATIONS
        + """$declarations$ || ' BEGIN ' || branches || $generic$"""
        + GENERIC
        + """$generic$ || ' END $f$';
END
$build$
"""
    )


COMPARED = ("tickets", "interactions", "outbound_emails", "reminders")
# 0033's tables: a downgrade compares only these again. audit_row_rebuild() keeps this text, which
# writes for them the audit_row() 0033's wrote (tests/test_audit_row.py holds the two alike).
PREVIOUSLY_COMPARED = ("tickets", "interactions")


def upgrade() -> None:
    op.execute(rebuild(COMPARED))
    op.execute("SELECT audit_row_rebuild()")


def downgrade() -> None:
    op.execute(rebuild(PREVIOUSLY_COMPARED))
    op.execute("SELECT audit_row_rebuild()")
