"""access: API key expiry, rotation, last use and scope; the customer-token secret

- api_keys: `expires_at` (optional; a rotated key gets its grace period's end), `last_used_at`
  (touched at most once a minute per key and replica), `replaces_id` (the key this one rotated;
  unique: a key is rotated once) and `scope` (an integration key's channels and/or "own"; NULL:
  everything).
- tickets: an index on `created_by_key_id`, which "own" scopes and keys tied to no agent read.
- service_secrets: a random secret made once (when HELPDESK_SECRET_KEY is unset) that signs
  customer portal tokens, the same for every replica.

Revision ID: 0006
Revises: 0005
Create Date: 2027-01-10 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statements, as SQL: the schema's DDL lives in SQL, the tables' definitions in app/models.
UPGRADE: list[str] = [
    "ALTER TABLE api_keys ADD COLUMN expires_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE api_keys ADD COLUMN last_used_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE api_keys ADD COLUMN replaces_id BIGINT",
    "ALTER TABLE api_keys ADD COLUMN scope TEXT[]",
    "ALTER TABLE api_keys ADD CONSTRAINT api_keys_replaces_id_fkey FOREIGN KEY(replaces_id) REFERENCES api_keys (id)",
    "ALTER TABLE api_keys ADD CONSTRAINT api_keys_replaces_id_key UNIQUE (replaces_id)",
    "CREATE INDEX tickets_created_by_key_idx ON tickets (created_by_key_id)",
    """
CREATE TABLE service_secrets (
    name VARCHAR(64) NOT NULL,
    value TEXT NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (name)
)
""",
]

DOWNGRADE: list[str] = [
    "DROP TABLE service_secrets",
    "DROP INDEX tickets_created_by_key_idx",
    "ALTER TABLE api_keys DROP CONSTRAINT api_keys_replaces_id_key",
    "ALTER TABLE api_keys DROP CONSTRAINT api_keys_replaces_id_fkey",
    "ALTER TABLE api_keys DROP COLUMN scope",
    "ALTER TABLE api_keys DROP COLUMN replaces_id",
    "ALTER TABLE api_keys DROP COLUMN last_used_at",
    "ALTER TABLE api_keys DROP COLUMN expires_at",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
