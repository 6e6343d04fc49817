"""inbound: received email, the desk's outbound mail headers, imported tickets

- inbound_emails: one row per received message (unique Message-ID, made from the bytes' digest
  when a message has none): a gateway's retry finds it; auto-replies and bounces are recorded
  here and nowhere else.
- outbound_emails: the Message-ID, In-Reply-To/References, reference token and subject of each
  public agent email reply, written with the interaction.
- ticket_imports: one row per (source, external id) imported: what makes an import idempotent.

Revision ID: 0012
Revises: 0011
Create Date: 2027-02-01 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statements, as SQL: the schema's DDL lives in SQL, the tables' definitions in app/models.
UPGRADE: list[str] = [
    """
CREATE TABLE inbound_emails (
    id BIGSERIAL NOT NULL,
    message_id VARCHAR(1000) NOT NULL,
    kind VARCHAR(20) NOT NULL,
    outcome VARCHAR(20) NOT NULL,
    threaded_by VARCHAR(20),
    ticket_id BIGINT,
    interaction_id BIGINT,
    followed_ticket_id BIGINT,
    sender_email VARCHAR(320),
    sender_name VARCHAR(200),
    subject TEXT NOT NULL,
    thread_ids TEXT[] DEFAULT '{}' NOT NULL,
    text TEXT NOT NULL,
    quoted TEXT NOT NULL,
    attachments JSONB DEFAULT '[]'::jsonb NOT NULL,
    automatic_reason TEXT,
    sent_at TIMESTAMP WITH TIME ZONE,
    received_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by_key_id BIGINT,
    PRIMARY KEY (id),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id),
    FOREIGN KEY(interaction_id) REFERENCES interactions (id),
    FOREIGN KEY(followed_ticket_id) REFERENCES tickets (id),
    FOREIGN KEY(created_by_key_id) REFERENCES api_keys (id),
    UNIQUE (message_id)
)
""",
    "CREATE INDEX ix_inbound_emails_ticket_id ON inbound_emails (ticket_id)",
    """
CREATE TABLE outbound_emails (
    interaction_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    message_id VARCHAR(400) NOT NULL,
    in_reply_to VARCHAR(1000),
    "references" TEXT[] DEFAULT '{}' NOT NULL,
    reference_token VARCHAR(100) NOT NULL,
    subject TEXT NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (interaction_id),
    FOREIGN KEY(interaction_id) REFERENCES interactions (id),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id),
    UNIQUE (message_id)
)
""",
    "CREATE INDEX ix_outbound_emails_ticket_id ON outbound_emails (ticket_id)",
    """
CREATE TABLE ticket_imports (
    source VARCHAR(100) NOT NULL,
    external_id VARCHAR(300) NOT NULL,
    ticket_id BIGINT,
    imported_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by_key_id BIGINT,
    PRIMARY KEY (source, external_id),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id),
    FOREIGN KEY(created_by_key_id) REFERENCES api_keys (id)
)
""",
    "CREATE INDEX ix_ticket_imports_ticket_id ON ticket_imports (ticket_id)",
]

DOWNGRADE: list[str] = [
    "DROP TABLE ticket_imports",
    "DROP TABLE outbound_emails",
    "DROP TABLE inbound_emails",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
