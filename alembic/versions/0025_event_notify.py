"""a NOTIFY on every statement that writes events, for the live event streams

- `events_written()`: an AFTER INSERT statement trigger on `events` sending a NOTIFY on
  `helpdesk_events` (delivered on commit; one per transaction, PostgreSQL folds equal ones).
  Every path that writes events (the ticket-change writer, a new ticket's own statement) is
  covered by the table, not by each statement remembering it. The payload is empty: a
  listener reads the events from the table with the feed's cursor, never from the NOTIFY.

Revision ID: 0025
Revises: 0024
Create Date: 2027-03-01 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION events_written() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('helpdesk_events', '');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER events_written AFTER INSERT ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION events_written()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER events_written ON events")
    op.execute("DROP FUNCTION events_written()")
