"""a reply's thread read from the newest message back: the mail of a ticket indexed by time

An agent's email reply names the messages it answers (In-Reply-To, References): the newest 20 of
the ticket's thread, received and sent. Both tables were indexed by ticket alone, so each reply
read every message of its ticket and sorted them, a cost that grew with the thread (a reply on a
ticket with 3,000 messages spent 1.5 ms more of the database's time than one on a new ticket).
The ticket's index of each table now also orders its messages by time, so each side is read
backwards from the newest, 20 rows at most. The indexes still serve every lookup by ticket.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07 19:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE: list[str] = [
    "CREATE INDEX outbound_emails_thread_idx"
    " ON outbound_emails (ticket_id, created_at, interaction_id)",
    "DROP INDEX ix_outbound_emails_ticket_id",
    "CREATE INDEX inbound_emails_thread_idx ON inbound_emails (ticket_id, received_at, id)",
    "DROP INDEX ix_inbound_emails_ticket_id",
]

DOWNGRADE: list[str] = [
    "CREATE INDEX ix_inbound_emails_ticket_id ON inbound_emails (ticket_id)",
    "DROP INDEX inbound_emails_thread_idx",
    "CREATE INDEX ix_outbound_emails_ticket_id ON outbound_emails (ticket_id)",
    "DROP INDEX outbound_emails_thread_idx",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
