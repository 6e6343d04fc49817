"""who resolved a ticket, kept from its resolution on

- tickets.resolved_by_id: the agent credited with the ticket's resolution (its assignee when it
  was resolved, else the agent who resolved it), set at each resolution and cleared on reopen.
  Escalating, transferring or reassigning a resolved ticket moves its assignee, never this: the
  per-agent resolution and CSAT figures read it. Filled from the assignee of tickets resolved
  before it existed (the best the past knows).

Revision ID: 0032
Revises: 0031
Create Date: 2027-03-08 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE tickets ADD COLUMN resolved_by_id BIGINT REFERENCES agents (id)")
    op.execute(
        "UPDATE tickets SET resolved_by_id = assignee_id"
        " WHERE resolved_at IS NOT NULL AND assignee_id IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE tickets DROP COLUMN resolved_by_id")
