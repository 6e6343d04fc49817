"""business seconds: what a ticket's first response and resolution took in business time

Kept by the clocks (services/clocks.derive) as the ticket changes, so the metrics can give
business-time figures in SQL. Tickets resolved before this migration have none until their
next change.

Revision ID: 0014
Revises: 0013
Create Date: 2027-02-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "tickets", sa.Column("first_response_business_seconds", sa.BigInteger(), nullable=True)
    )
    op.add_column(
        "tickets", sa.Column("resolution_business_seconds", sa.BigInteger(), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("tickets", "resolution_business_seconds")
    op.drop_column("tickets", "first_response_business_seconds")
