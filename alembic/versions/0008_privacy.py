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

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statements, as SQL: the schema's DDL lives in SQL, the tables' definitions in app/models.
UPGRADE: list[str] = [
    """
CREATE TABLE personal_data_erasures (
    id BIGSERIAL NOT NULL,
    customer_id BIGINT,
    ticket_id BIGINT,
    reason VARCHAR(20) NOT NULL,
    erased_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT personal_data_erasures_reason_check CHECK (reason IN ('request', 'retention')),
    CONSTRAINT personal_data_erasures_names_something CHECK (customer_id IS NOT NULL OR ticket_id IS NOT NULL),
    FOREIGN KEY(customer_id) REFERENCES customers (id),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id)
)
""",
    "CREATE UNIQUE INDEX personal_data_erasures_customer_key ON personal_data_erasures (customer_id) WHERE ticket_id IS NULL",
    "CREATE UNIQUE INDEX personal_data_erasures_ticket_key ON personal_data_erasures (ticket_id) WHERE ticket_id IS NOT NULL",
    """
CREATE TABLE backups (
    id BIGSERIAL NOT NULL,
    taken_at TIMESTAMP WITH TIME ZONE NOT NULL,
    file TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    sha256 VARCHAR(64) NOT NULL,
    schema_revision VARCHAR(32),
    tables JSONB NOT NULL,
    verified_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (id)
)
""",
    "CREATE INDEX backups_taken_at_idx ON backups (taken_at)",
]

DOWNGRADE: list[str] = [
    "DROP INDEX backups_taken_at_idx",
    "DROP TABLE backups",
    "DROP INDEX personal_data_erasures_ticket_key",
    "DROP INDEX personal_data_erasures_customer_key",
    "DROP TABLE personal_data_erasures",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
