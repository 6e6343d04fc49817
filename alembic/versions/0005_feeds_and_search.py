"""feeds that never miss, gateway message ids, text search

- sla_events and reminders carry the id of the transaction that wrote them (xid8): a feed serves
  a row once every older transaction has ended, so no row committed late is skipped.
- interactions: a gateway's message id is unique per ticket.
- tickets and interactions: text search vectors (stemmed in the ticket's language; plain words
  for interaction bodies) and trigram indexes for text without spaces.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 19:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here as it was on the day (app.domain.search may grow; a later migration follows it).
CONFIGS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish",
    "nl": "dutch", "en": "english", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian",
    "ga": "irish", "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian",
    "nb": "norwegian", "nn": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sr": "serbian", "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish",
    "yi": "yiddish",
}  # fmt: skip
TICKET_VECTOR = (
    "to_tsvector(CASE split_part(lower(coalesce(language, '')), '-', 1) "
    + " ".join(f"WHEN '{tag}' THEN '{config}'::regconfig" for tag, config in CONFIGS.items())
    + " ELSE 'simple'::regconfig END, coalesce(subject, '') || ' ' || coalesce(description, ''))"
)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in ("sla_events", "reminders"):
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()"
        )
        op.execute(f"CREATE INDEX {table}_feed_idx ON {table} (txid, id)")
    op.execute(
        "CREATE UNIQUE INDEX interactions_ticket_external_id_key ON interactions"
        " (ticket_id, external_id) WHERE external_id IS NOT NULL"
    )
    op.execute(
        "CREATE INDEX interactions_external_id_idx ON interactions (external_id)"
        " WHERE external_id IS NOT NULL"
    )
    op.execute(
        f"ALTER TABLE tickets ADD COLUMN search_vector tsvector"
        f" GENERATED ALWAYS AS ({TICKET_VECTOR}) STORED"
    )
    op.execute(
        "ALTER TABLE interactions ADD COLUMN search_vector tsvector"
        " GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, body)) STORED"
    )
    op.execute("CREATE INDEX tickets_search_idx ON tickets USING gin (search_vector)")
    op.execute("CREATE INDEX interactions_search_idx ON interactions USING gin (search_vector)")
    for table, column in (
        ("tickets", "subject"),
        ("tickets", "description"),
        ("interactions", "body"),
    ):
        op.execute(
            f"CREATE INDEX {table}_{column}_trgm_idx ON {table} USING gin ({column} gin_trgm_ops)"
        )


def downgrade() -> None:
    for table, column in (
        ("tickets", "subject"),
        ("tickets", "description"),
        ("interactions", "body"),
    ):
        op.execute(f"DROP INDEX {table}_{column}_trgm_idx")
    op.execute("DROP INDEX interactions_search_idx")
    op.execute("DROP INDEX tickets_search_idx")
    op.execute("ALTER TABLE interactions DROP COLUMN search_vector")
    op.execute("ALTER TABLE tickets DROP COLUMN search_vector")
    op.execute("DROP INDEX interactions_external_id_idx")
    op.execute("DROP INDEX interactions_ticket_external_id_key")
    for table in ("sla_events", "reminders"):
        op.execute(f"DROP INDEX {table}_feed_idx")
        op.execute(f"ALTER TABLE {table} DROP COLUMN txid")
