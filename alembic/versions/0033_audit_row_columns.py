"""the audit trigger compares a ticket's and an interaction's columns one by one; no row lock
on the acting key and the SLA policy per ticket write

audit_row() named the changed fields by turning the whole row into JSON (`to_jsonb(NEW)`,
and OLD on an update) and walking its keys: for a ticket that renders some 60 columns, its
search vector included, only to throw the values away, on every create and every change. For
the tables written on every ticket write (tickets, interactions) it now compares the columns
themselves (`NEW.subject IS DISTINCT FROM OLD.subject`, …), written out from the catalog by
audit_row_rebuild(), and inserts its entry itself (a statement whose plan the session keeps)
rather than through audit_append (whose plan was made again in every transaction). Every other
table keeps the JSON comparison. The entries are the same: the same fields, in the same order,
the same bookkeeping columns left out.

- The foreign keys from tickets (created_by_key_id, sla_policy_id), ticket_history
  (actor_key_id) and interactions (created_by_key_id) to api_keys and sla_policies go: each
  check locked its parent row (FOR KEY SHARE), and every create, change and interaction by one
  key under one policy locks the same two rows, so concurrent writes queued on them and made a
  multixact of each lock. Keys are revoked and policies retired, never deleted: a trigger on
  each now refuses a DELETE (as the foreign keys did for a referenced row), and the ids written
  are the acting key's (just read to authenticate) and the policy book's (read from the table).
- audit_row_rebuild(): writes audit_row() again from the current columns of the compared
  tables. A migration that adds, drops or renames a column of tickets or interactions calls
  `SELECT audit_row_rebuild()` after it (tests/test_audit_row.py fails until it does).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 03:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The generic part, as 0007 wrote it: also the whole function before this migration.
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

# The entry of a compared table's write: audit_append's statement, written here so that its
# plan is the session's (a SQL function's is made again in every transaction).
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

# Written from the catalog: for each compared table, the changed fields as an array of
# CASE expressions over its columns (but the skipped ones), sorted as the JSON keys were
# (`ORDER BY key`: text in the database's collation). Types without an equality operator
# (json, xml, point, …) are compared as text, as their JSON was.
REBUILD = (
    """
CREATE FUNCTION audit_row_rebuild() RETURNS void LANGUAGE plpgsql AS $build$
DECLARE
    compared CONSTANT text[] := ARRAY['tickets', 'interactions'];
    skipped CONSTANT text[] := ARRAY['id', 'created_at', 'updated_at', 'version',
                                     'search_vector', 'txid', 'key_hash', 'last_used_at'];
    t text;
    inserted text;
    updated text;
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
        branches := branches || format(
            $branch$IF TG_TABLE_NAME = %L THEN
        IF TG_OP = 'INSERT' THEN
            changed := array_remove(ARRAY[%s]::text[], NULL);
            row_id := NEW.id;
            ticket := NEW.%s;
        ELSIF TG_OP = 'UPDATE' THEN
            changed := array_remove(ARRAY[%s]::text[], NULL);
            IF cardinality(changed) = 0 THEN
                RETURN NULL;
            END IF;
            row_id := NEW.id;
            ticket := NEW.%s;
        ELSE
            row_id := OLD.id;
            ticket := OLD.%s;
        END IF;$branch$ || $entry$"""
    + ENTRY
    + """$entry$ || $next$
    END IF;
    $next$,
            t, inserted, CASE t WHEN 'tickets' THEN 'id' ELSE 'ticket_id' END,
            updated, CASE t WHEN 'tickets' THEN 'id' ELSE 'ticket_id' END,
            CASE t WHEN 'tickets' THEN 'id' ELSE 'ticket_id' END);
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

# audit_row() as 0007 wrote it.
PREVIOUS = (
    "CREATE OR REPLACE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE "
    + DECLARATIONS
    + " BEGIN "
    + GENERIC
    + " END $$"
)


# (table, column, parent): the references kept by the parents' refusal to be deleted.
UNLOCKED = (
    ("tickets", "created_by_key_id", "api_keys"),
    ("tickets", "sla_policy_id", "sla_policies"),
    ("ticket_history", "actor_key_id", "api_keys"),
    ("interactions", "created_by_key_id", "api_keys"),
)
NEVER_DELETED = ("api_keys", "sla_policies")

REFUSE_DELETE = """
CREATE FUNCTION refuse_delete_retired() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% % is referenced by the records it wrote: it is retired, never deleted',
        TG_TABLE_NAME, OLD.id
        USING ERRCODE = 'foreign_key_violation';
END
$$
"""


def upgrade() -> None:
    op.execute(REBUILD)
    op.execute("SELECT audit_row_rebuild()")
    for table, column, _ in UNLOCKED:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_{column}_fkey")
    op.execute(REFUSE_DELETE)
    for parent in NEVER_DELETED:
        op.execute(
            f"CREATE TRIGGER {parent}_never_deleted BEFORE DELETE ON {parent}"
            " FOR EACH ROW EXECUTE FUNCTION refuse_delete_retired()"
        )


def downgrade() -> None:
    for parent in NEVER_DELETED:
        op.execute(f"DROP TRIGGER {parent}_never_deleted ON {parent}")
    op.execute("DROP FUNCTION refuse_delete_retired()")
    for table, column, parent in UNLOCKED:
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_fkey"
            f" FOREIGN KEY ({column}) REFERENCES {parent} (id)"
        )
    op.execute(PREVIOUS)
    op.execute("DROP FUNCTION audit_row_rebuild()")
