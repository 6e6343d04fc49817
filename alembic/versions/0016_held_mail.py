"""held mail: a message that answers a ticket its sender is not on waits for a person

- inbound_emails.held_ticket_id: the ticket a held message would have joined (its `ticket_id`
  stays empty until it is accepted, so nothing of it counts as the ticket's mail before then).
- inbound_emails.decided_at, decided_by_key_id: when and by which key held mail was accepted
  or rejected.
- inbound_emails_held_idx: the messages still held, for the held list.
- events: `interaction.added` payloads lose their `email` part (the Message-IDs and `[ref:…]`
  token of an agent's email reply): the feed and webhook redeliveries serve the events already
  written, and a receiver holding those marks could write onto the ticket.

Revision ID: 0016
Revises: 0015
Create Date: 2027-02-12 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statements, as SQL: the schema's DDL lives in SQL, the tables' definitions in app/models.
UPGRADE: list[str] = [
    "ALTER TABLE inbound_emails ADD COLUMN held_ticket_id BIGINT REFERENCES tickets (id)",
    "ALTER TABLE inbound_emails ADD COLUMN decided_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE inbound_emails ADD COLUMN decided_by_key_id BIGINT REFERENCES api_keys (id)",
    "CREATE INDEX ix_inbound_emails_held_ticket_id ON inbound_emails (held_ticket_id)",
    "CREATE INDEX inbound_emails_held_idx ON inbound_emails (id) WHERE outcome = 'held'",
    "UPDATE events SET payload = payload - 'email' "
    "WHERE type = 'interaction.added' AND payload ? 'email'",
]

# The marks taken out of the events are not put back: no reader needs them there.
DOWNGRADE: list[str] = [
    # What the earlier schema's readers know: held and rejected mail was only recorded, the
    # desk's own mail coming back was an automatic message.
    "UPDATE inbound_emails SET outcome = 'recorded' WHERE outcome IN ('held', 'rejected')",
    "UPDATE inbound_emails SET kind = 'auto_reply' WHERE kind = 'loop'",
    "DROP INDEX inbound_emails_held_idx",
    "DROP INDEX ix_inbound_emails_held_ticket_id",
    "ALTER TABLE inbound_emails DROP COLUMN decided_by_key_id",
    "ALTER TABLE inbound_emails DROP COLUMN decided_at",
    "ALTER TABLE inbound_emails DROP COLUMN held_ticket_id",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
