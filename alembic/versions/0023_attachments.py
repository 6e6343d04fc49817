"""attachments: files on interactions, their content deduplicated by SHA-256

- attachments: one file as uploaded or received (its name, declared-and-checked media type,
  size, content digest and the storage backend holding the content), the interaction it belongs
  to once referenced (NULL while an upload waits to be sent), who uploaded it, and when its
  content was erased. Audited like every table with personal data.
- attachment_chunks: the `postgres` backend's content, 256 KiB per row, keyed by digest: a
  backup holds it and the embedded setup needs nothing more. Shared by every attachment with
  the same content.

Revision ID: 0023
Revises: 0022
Create Date: 2027-03-01 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE: list[str] = [
    """
CREATE TABLE attachments (
    id BIGSERIAL NOT NULL,
    ticket_id BIGINT,
    interaction_id BIGINT,
    filename VARCHAR(255) NOT NULL,
    content_type VARCHAR(255) NOT NULL,
    size BIGINT NOT NULL,
    sha256 VARCHAR(64),
    storage VARCHAR(20) NOT NULL,
    uploaded_by_key_id BIGINT,
    uploaded_by_customer_id BIGINT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    erased_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (id),
    CONSTRAINT attachments_storage_check CHECK (storage IN ('postgres', 's3')),
    CONSTRAINT attachments_size_check CHECK (size >= 0),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id),
    FOREIGN KEY(interaction_id) REFERENCES interactions (id),
    FOREIGN KEY(uploaded_by_key_id) REFERENCES api_keys (id),
    FOREIGN KEY(uploaded_by_customer_id) REFERENCES customers (id)
)
""",
    "CREATE INDEX ix_attachments_interaction_id ON attachments (interaction_id)",
    "CREATE INDEX ix_attachments_ticket_id ON attachments (ticket_id)",
    "CREATE INDEX ix_attachments_sha256 ON attachments (sha256)",
    """
CREATE TABLE attachment_chunks (
    sha256 VARCHAR(64) NOT NULL,
    seq INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (sha256, seq)
)
""",
    "SELECT audit_table('attachments')",
]

DOWNGRADE: list[str] = [
    "DROP TABLE attachment_chunks",
    "DROP TABLE attachments",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
