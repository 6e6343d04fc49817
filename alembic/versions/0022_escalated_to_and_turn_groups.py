"""the supervisor escalated to sees the ticket; round robin takes turns per language group

- tickets (escalated_to_id, created_at, id), only where it is set: visibility includes the
  tickets escalated to the caller, and lists filter on it; without it, a caller's ticket list
  could no longer combine its indexes (team, assignee, creator) and would scan the table.
- metric_tickets.escalated_to_id: the metrics of the tickets a caller sees are scoped by the
  same predicate over the facts, so the facts carry it too (filled from the tickets).
- `team_turn(team, grp)`: nextval of a sequence per team and group of its tickets (made on
  first use), so each language's speakers take their own turns; grp '' is the team's own
  sequence of `team_turn(team)`, whose count it continues.

Revision ID: 0022
Revises: 0021
Create Date: 2027-02-20 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEAM_TURN = """
CREATE FUNCTION team_turn(team bigint, grp text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    name text := CASE WHEN grp = '' THEN format('team_turn_%s', team)
                      ELSE format('team_turn_%s_%s', team, grp) END;
BEGIN
    IF to_regclass(quote_ident(name)) IS NULL THEN
        BEGIN
            EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I', name);
        EXCEPTION WHEN unique_violation OR duplicate_table THEN
            NULL;  -- a concurrent first turn made it
        END;
    END IF;
    RETURN nextval(quote_ident(name)::regclass);
END
$$
"""


def upgrade() -> None:
    op.execute(
        "CREATE INDEX tickets_escalated_to_created_at_id_idx"
        " ON tickets (escalated_to_id, created_at, id) WHERE escalated_to_id IS NOT NULL"
    )
    op.execute(TEAM_TURN)
    op.execute("ALTER TABLE metric_tickets ADD COLUMN escalated_to_id BIGINT")
    op.execute(
        "UPDATE metric_tickets f SET escalated_to_id = t.escalated_to_id FROM tickets t"
        " WHERE t.id = f.ticket_id AND t.escalated_to_id IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE metric_tickets DROP COLUMN escalated_to_id")
    op.execute("DROP FUNCTION team_turn(bigint, text)")
    op.execute(
        "DO $$ DECLARE s text; BEGIN FOR s IN SELECT sequencename FROM pg_sequences"
        " WHERE sequencename ~ '^team_turn_[0-9]+_' LOOP EXECUTE format('DROP SEQUENCE %I', s);"
        " END LOOP; END $$"
    )
    op.execute("DROP INDEX tickets_escalated_to_created_at_id_idx")
