"""config revision: a counter every change to calendars, SLA policies or the matrix moves

Writes cache the policy book and the priority matrix per process and check this one row
instead of reloading them: a change commits together with its new revision, so a writer that
reads the new revision also reads the new configuration.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("calendars", "sla_policies", "priority_matrix")


def upgrade() -> None:
    op.execute(
        "CREATE TABLE config_revision ("
        " id smallint PRIMARY KEY CHECK (id = 1),"
        " revision bigint NOT NULL)"
    )
    op.execute("INSERT INTO config_revision (id, revision) VALUES (1, 1)")
    # An upsert, so even a truncated counter table starts counting again.
    op.execute(
        """
        CREATE FUNCTION bump_config_revision() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO config_revision (id, revision) VALUES (1, 1)
            ON CONFLICT (id) DO UPDATE SET revision = config_revision.revision + 1;
            RETURN NULL;
        END
        $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_config_revision "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_config_revision()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_config_revision ON {table}")
    op.execute("DROP FUNCTION bump_config_revision()")
    op.execute("DROP TABLE config_revision")
