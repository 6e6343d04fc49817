"""business seconds: what a ticket's first response and resolution took in business time

Kept by the clocks (services/clocks.derive) as the ticket changes, so the metrics can give
business-time figures in SQL. Tickets resolved before this migration have none until their
next change.

Revision ID: 0014
Revises: 0013
Create Date: 2027-02-03 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statements, as SQL: the schema's DDL lives in SQL, the tables' definitions in app/models.
UPGRADE: list[str] = [
    "ALTER TABLE tickets ADD COLUMN first_response_business_seconds BIGINT",
    "ALTER TABLE tickets ADD COLUMN resolution_business_seconds BIGINT",
]

DOWNGRADE: list[str] = [
    "ALTER TABLE tickets DROP COLUMN resolution_business_seconds",
    "ALTER TABLE tickets DROP COLUMN first_response_business_seconds",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
