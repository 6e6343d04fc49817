"""customer tokens: each portal token minted is a row, so it can be revoked

- customer_tokens: the id a token carries, its customer, when it was minted (and by which API
  key), when it expires, and when it was revoked. A token is checked against its row on every
  request (by primary key), so a revocation stops it at once on every replica; erasing the
  customer revokes all of theirs. Minting and revoking are written to the audit log by the
  row trigger every audited table has. Tokens minted before this revision carry no id and are
  refused: they expired within HELPDESK_CUSTOMER_TOKEN_SECONDS anyway.

Revision ID: 0018
Revises: 0017
Create Date: 2027-02-20 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE: list[str] = [
    """
CREATE TABLE customer_tokens (
    id BIGSERIAL NOT NULL,
    customer_id BIGINT NOT NULL,
    minted_at TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    minted_by_key_id BIGINT,
    revoked_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (id),
    FOREIGN KEY(customer_id) REFERENCES customers (id),
    FOREIGN KEY(minted_by_key_id) REFERENCES api_keys (id)
)
""",
    "CREATE INDEX ix_customer_tokens_customer_id ON customer_tokens (customer_id)",
    # Minting (create) and revoking (update of revoked_at) are in the audit log, like every
    # write of the audited tables.
    "CREATE TRIGGER audit_customer_tokens AFTER INSERT OR UPDATE OR DELETE ON customer_tokens"
    " FOR EACH ROW EXECUTE FUNCTION audit_row()",
]

DOWNGRADE: list[str] = [
    "DROP TRIGGER audit_customer_tokens ON customer_tokens",
    "DROP TABLE customer_tokens",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
