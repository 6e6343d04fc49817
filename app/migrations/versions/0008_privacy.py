"""privacy: the register of personal data erased, and the backups taken

- personal_data_erasures: one row per customer erased on request (ticket_id NULL) and one per
  ticket whose personal data was erased (on the customer's request or by retention). It is what
  makes an erasure idempotent (a second request answers with the first's outcome) and what the
  retention worker skips. It holds ids and instants only: never the data it erased.
- backups: one row per successful `helpdesk backup` (the file, its sha256, the schema revision,
  the row count and checksum of every table), and when `--verify` last proved it restorable.

Revision ID: 0008
Revises: 0007
Create Date: 2027-01-12 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "personal_data_erasures",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "reason IN ('request', 'retention')", name="personal_data_erasures_reason_check"
        ),
        sa.CheckConstraint(
            "customer_id IS NOT NULL OR ticket_id IS NOT NULL",
            name="personal_data_erasures_names_something",
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    # A customer is erased once, a ticket once: a repeated erasure finds the first.
    op.create_index(
        "personal_data_erasures_customer_key",
        "personal_data_erasures",
        ["customer_id"],
        unique=True,
        postgresql_where=sa.text("ticket_id IS NULL"),
    )
    op.create_index(
        "personal_data_erasures_ticket_key",
        "personal_data_erasures",
        ["ticket_id"],
        unique=True,
        postgresql_where=sa.text("ticket_id IS NOT NULL"),
    )
    op.create_table(
        "backups",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("schema_revision", sa.String(length=32), nullable=True),
        sa.Column("tables", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("backups_taken_at_idx", "backups", ["taken_at"])


def downgrade() -> None:
    op.drop_index("backups_taken_at_idx", table_name="backups")
    op.drop_table("backups")
    op.drop_index("personal_data_erasures_ticket_key", table_name="personal_data_erasures")
    op.drop_index("personal_data_erasures_customer_key", table_name="personal_data_erasures")
    op.drop_table("personal_data_erasures")
