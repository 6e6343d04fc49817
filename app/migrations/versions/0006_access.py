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

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("api_keys", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("api_keys", sa.Column("replaces_id", sa.BigInteger(), nullable=True))
    op.add_column("api_keys", sa.Column("scope", postgresql.ARRAY(sa.Text()), nullable=True))
    op.create_foreign_key(
        "api_keys_replaces_id_fkey", "api_keys", "api_keys", ["replaces_id"], ["id"]
    )
    op.create_unique_constraint("api_keys_replaces_id_key", "api_keys", ["replaces_id"])
    op.create_index("tickets_created_by_key_idx", "tickets", ["created_by_key_id"])
    op.create_table(
        "service_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("service_secrets")
    op.drop_index("tickets_created_by_key_idx", table_name="tickets")
    op.drop_constraint("api_keys_replaces_id_key", "api_keys", type_="unique")
    op.drop_constraint("api_keys_replaces_id_fkey", "api_keys", type_="foreignkey")
    for column in ("scope", "replaces_id", "last_used_at", "expires_at"):
        op.drop_column("api_keys", column)
