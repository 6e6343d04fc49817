"""events about the desk rather than one ticket, and timers about something that is not a ticket

- `events.ticket_id` may be NULL: a desk event (an article published, a report ready). Staff
  feeds, webhooks and streams carry them; a customer never sees one.
- `timers.ticket_id` may be NULL when `subject_id` names what the timer is about instead (a
  QA sample schedule, an audit report schedule, an upload never attached, a desk event's
  webhook retry): exactly one of the two is set, and one such timer per kind, subject and
  moment, as per ticket.

Revision ID: 0026
Revises: 0025
Create Date: 2027-03-08 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE events ALTER COLUMN ticket_id DROP NOT NULL")
    op.execute("ALTER TABLE timers ALTER COLUMN ticket_id DROP NOT NULL")
    op.execute("ALTER TABLE timers ADD COLUMN subject_id BIGINT")
    op.execute(
        "ALTER TABLE timers ADD CONSTRAINT timers_subject_check "
        "CHECK ((ticket_id IS NULL) <> (subject_id IS NULL))"
    )
    op.execute(
        "CREATE UNIQUE INDEX timers_subject_kind_due_key ON timers (kind, subject_id, due_at) "
        "WHERE ticket_id IS NULL"
    )


def downgrade() -> None:
    op.execute("DELETE FROM timers WHERE ticket_id IS NULL")
    op.execute("DROP INDEX timers_subject_kind_due_key")
    op.execute("ALTER TABLE timers DROP CONSTRAINT timers_subject_check")
    op.execute("ALTER TABLE timers DROP COLUMN subject_id")
    op.execute("ALTER TABLE timers ALTER COLUMN ticket_id SET NOT NULL")
    op.execute(
        "DELETE FROM webhook_deliveries WHERE event_id IN "
        "(SELECT id FROM events WHERE ticket_id IS NULL)"
    )
    op.execute("DELETE FROM events WHERE ticket_id IS NULL")
    op.execute("ALTER TABLE events ALTER COLUMN ticket_id SET NOT NULL")
