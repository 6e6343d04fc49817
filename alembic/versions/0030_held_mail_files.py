"""held mail keeps its files: an attachment may wait on the held message that brought it

- attachments.held_email_id: the held inbound message a file came with. Its content is stored
  when the message is held; accepting the message puts the file on the interaction it
  appends, rejecting it erases the file with the message's text.

Revision ID: 0030
Revises: 0029
Create Date: 2027-03-09 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE attachments ADD COLUMN held_email_id BIGINT REFERENCES inbound_emails (id)"
    )
    op.execute("CREATE INDEX ix_attachments_held_email_id ON attachments (held_email_id)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_attachments_held_email_id")
    op.execute("ALTER TABLE attachments DROP COLUMN held_email_id")
