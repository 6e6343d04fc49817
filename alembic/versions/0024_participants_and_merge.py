"""ticket participants, merged tickets, and the Cc of the desk's replies

- ticket_participants: the people on a ticket besides its customer (a colleague in Cc, another
  customer, an outside address, each a customer record), with their role (`cc`, `follower`),
  how they came (`api`, `email`, `merge`), who added them and when; once per ticket and
  customer. Audited as every table of personal data is.
- tickets.merged_into_id: the ticket a merged ticket was merged into (it is closed, refuses
  every write naming it, and mail or chat for it threads onto the target). Indexed where set.
- outbound_emails.cc: the addresses a public agent email reply is copied to, as sent.

Revision ID: 0024
Revises: 0023
Create Date: 2027-03-10 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE: list[str] = [
    """
CREATE TABLE ticket_participants (
    id BIGSERIAL NOT NULL,
    ticket_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    role VARCHAR(20) NOT NULL,
    source VARCHAR(20) NOT NULL,
    added_by_key_id BIGINT,
    added_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id),
    FOREIGN KEY(customer_id) REFERENCES customers (id),
    FOREIGN KEY(added_by_key_id) REFERENCES api_keys (id),
    CONSTRAINT ticket_participants_unique UNIQUE (ticket_id, customer_id),
    CONSTRAINT ticket_participants_role_check CHECK (role IN ('cc', 'follower'))
)
""",
    "CREATE INDEX ix_ticket_participants_customer_id ON ticket_participants (customer_id)",
    "SELECT audit_table('ticket_participants')",
    "ALTER TABLE tickets ADD COLUMN merged_into_id BIGINT REFERENCES tickets (id)",
    "CREATE INDEX tickets_merged_into_idx ON tickets (merged_into_id)"
    " WHERE merged_into_id IS NOT NULL",
    "ALTER TABLE outbound_emails ADD COLUMN cc TEXT[] DEFAULT '{}' NOT NULL",
]

DOWNGRADE: list[str] = [
    "ALTER TABLE outbound_emails DROP COLUMN cc",
    "DROP INDEX tickets_merged_into_idx",
    "ALTER TABLE tickets DROP COLUMN merged_into_id",
    "SELECT unaudit_table('ticket_participants')",
    "DROP TABLE ticket_participants",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
