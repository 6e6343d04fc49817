"""ticket_keys: the keys a ticket is found by that move with its writes, beside the ticket

A ticket's UPDATE was never HOT (heap-only): the list's sort indexes on `updated_at` and on the
nearest SLA deadline, and the feed's index on `txid`, moved with nearly every write, so a note,
a reply or a count added a new entry to each of the ticket's 20 indexes, three of them GIN (the
search vector and the subject's and description's trigrams: every word and trigram again).
Those three keys now live in a narrow side table with their indexes, kept by a trigger:

- ticket_keys (id, txid, written_at, due_at): one row per ticket, written by the trigger
  tickets_keep_keys after every INSERT and UPDATE of a ticket: the writing transaction's id,
  the ticket's `updated_at` and its `sla_due_at`. A write that changes no indexed column of
  the ticket itself (a note, most replies) is then HOT: none of the ticket's indexes is touched.
  It has no foreign key to tickets: only the trigger writes it, from the ticket's own new row,
  and tickets are never deleted, so a check (a lookup and a row lock on every create) would
  protect nothing.
- The ticket export and the metrics' ticket feed follow ticket_keys in (txid, id) order
  (ticket_keys_feed_idx, as tickets_feed_idx was); the list sorted by `updated_at` walks
  ticket_keys_written_at_idx, the list sorted by `sla_due_at` ticket_keys_due_idx (no
  running deadline last, as tickets_sla_due_idx did).
- tickets.txid, its index and its trigger tickets_touch_txid go, as do tickets_updated_at_id_idx
  and tickets_sla_due_idx. Each ticket's position is copied: a consumer's cursor stays valid.
- ix_tickets_customer_id goes too: tickets_customer_created_at_idx (customer_id, created_at,
  id) serves every lookup by customer, the foreign key's included.

Revision ID: 0035
Revises: 0034
Create Date: 2027-03-10 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGER = """
CREATE FUNCTION tickets_keep_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ticket_keys (id, txid, written_at, due_at)
        VALUES (NEW.id, pg_current_xact_id(), NEW.updated_at, NEW.sla_due_at);
    ELSE
        UPDATE ticket_keys
        SET txid = pg_current_xact_id(), written_at = NEW.updated_at, due_at = NEW.sla_due_at
        WHERE id = NEW.id;
    END IF;
    RETURN NULL;
END
$$
"""

UPGRADE: list[str] = [
    """
CREATE TABLE ticket_keys (
    id BIGINT NOT NULL,
    txid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    written_at TIMESTAMP WITH TIME ZONE NOT NULL,
    due_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (id)
)
""",
    "INSERT INTO ticket_keys (id, txid, written_at, due_at)"
    " SELECT id, txid, updated_at, sla_due_at FROM tickets",
    "CREATE INDEX ticket_keys_feed_idx ON ticket_keys (txid, id)",
    "CREATE INDEX ticket_keys_written_at_idx ON ticket_keys (written_at, id)",
    "CREATE INDEX ticket_keys_due_idx ON ticket_keys"
    " (coalesce(due_at, 'infinity'::timestamptz), id)",
    TRIGGER,
    "CREATE TRIGGER tickets_keep_keys AFTER INSERT OR UPDATE ON tickets"
    " FOR EACH ROW EXECUTE FUNCTION tickets_keep_keys()",
    "DROP TRIGGER tickets_touch_txid ON tickets",
    "DROP FUNCTION tickets_touch_txid()",
    "DROP INDEX tickets_feed_idx",
    "DROP INDEX tickets_updated_at_id_idx",
    "DROP INDEX tickets_sla_due_idx",
    # A prefix of tickets_customer_created_at_idx (customer_id, created_at, id): one index less
    # to write for every ticket, serving the same lookups.
    "DROP INDEX ix_tickets_customer_id",
    "ALTER TABLE tickets DROP COLUMN txid",
    # The audit trigger compares the ticket's columns one by one: written again without txid.
    "SELECT audit_row_rebuild()",
]

DOWNGRADE: list[str] = [
    "DROP TRIGGER tickets_keep_keys ON tickets",
    "DROP FUNCTION tickets_keep_keys()",
    "ALTER TABLE tickets ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()",
    "SELECT audit_row_rebuild()",
    # Not an audited change: txid is one of the audit trigger's bookkeeping columns.
    "UPDATE tickets t SET txid = c.txid FROM ticket_keys c WHERE c.id = t.id",
    "CREATE INDEX tickets_feed_idx ON tickets (txid, id)",
    "CREATE INDEX tickets_updated_at_id_idx ON tickets (updated_at, id)",
    "CREATE INDEX ix_tickets_customer_id ON tickets (customer_id)",
    "CREATE INDEX tickets_sla_due_idx ON tickets"
    " (coalesce(sla_due_at, 'infinity'::timestamptz), id)",
    """
CREATE FUNCTION tickets_touch_txid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.txid := pg_current_xact_id();
    RETURN NEW;
END
$$
""",
    "CREATE TRIGGER tickets_touch_txid BEFORE UPDATE ON tickets"
    " FOR EACH ROW EXECUTE FUNCTION tickets_touch_txid()",
    "DROP TABLE ticket_keys",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
