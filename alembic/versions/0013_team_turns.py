"""team turns: round robin takes its turns from a sequence per team, never a row lock

A ticket's create is one transaction (its outbox event is written with it): a round-robin
turn taken by updating the team's row held that row locked until the create committed, so a
team's creates queued one behind the other. `team_turn(team_id)` is nextval of the team's own
sequence (made on first use): concurrent creates each get the next turn at once, and a create
that rolls back only skips its turn.

Revision ID: 0013
Revises: 0012
Create Date: 2027-02-02 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEAM_TURN = """
CREATE FUNCTION team_turn(team bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    name text := format('team_turn_%s', team);
BEGIN
    IF to_regclass(name) IS NULL THEN
        BEGIN
            EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I', name);
        EXCEPTION WHEN unique_violation OR duplicate_table THEN
            NULL;  -- a concurrent first turn made it
        END;
    END IF;
    RETURN nextval(name::regclass);
END
$$
"""


def upgrade() -> None:
    op.execute(TEAM_TURN)


def downgrade() -> None:
    op.execute("DROP FUNCTION team_turn(bigint)")
    op.execute(
        "DO $$ DECLARE s text; BEGIN FOR s IN SELECT sequencename FROM pg_sequences"
        " WHERE sequencename LIKE 'team\\_turn\\_%' LOOP EXECUTE format('DROP SEQUENCE %I', s);"
        " END LOOP; END $$"
    )
