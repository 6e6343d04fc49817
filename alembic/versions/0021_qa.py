"""quality assurance: scorecards, reviews, disputes, fair samples, calibration sessions

- qa_scorecards / qa_scorecard_versions: named criteria in sections (JSON); a version is
  immutable once a review used it (used_at), an edit then makes the next version. The built-in
  checklist is made by the service on first use (tests and new desks start without it).
- qa_reviews: a ticket's (or one interaction's) review on a scorecard version: answers, root
  causes, comment, the pre-checks' suggestions and whether each was accepted, the score.
- qa_disputes: the reviewed agent's dispute (once per review) and its decision; an amendment
  keeps the answers and score it replaced.
- qa_assignments / qa_assignment_items: samples with their seed and population; a ticket is
  sampled at most once per period.
- qa_calibrations: blind sessions; their agreement (Krippendorff's alpha) is stored at close.
Every table is audited by the row trigger of migration 0007.

Revision ID: 0021
Revises: 0020
Create Date: 2027-03-01 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "qa_scorecards",
    "qa_scorecard_versions",
    "qa_calibrations",
    "qa_reviews",
    "qa_disputes",
    "qa_assignments",
    "qa_assignment_items",
)

UPGRADE: list[str] = [
    """
CREATE TABLE qa_scorecards (
    id BIGSERIAL NOT NULL,
    name VARCHAR(200) NOT NULL,
    description TEXT,
    built_in BOOLEAN NOT NULL,
    current_version INTEGER NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (id)
)
""",
    "CREATE UNIQUE INDEX qa_scorecards_one_built_in ON qa_scorecards (built_in) WHERE built_in",
    """
CREATE TABLE qa_scorecard_versions (
    id BIGSERIAL NOT NULL,
    scorecard_id BIGINT NOT NULL,
    number INTEGER NOT NULL,
    sections JSONB DEFAULT '[]'::jsonb NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by_key_id BIGINT,
    used_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (id),
    FOREIGN KEY(scorecard_id) REFERENCES qa_scorecards (id),
    FOREIGN KEY(created_by_key_id) REFERENCES api_keys (id),
    CONSTRAINT qa_scorecard_versions_number_key UNIQUE (scorecard_id, number)
)
""",
    """
CREATE TABLE qa_calibrations (
    id BIGSERIAL NOT NULL,
    name VARCHAR(200) NOT NULL,
    scorecard_version_id BIGINT NOT NULL,
    ticket_ids BIGINT[] NOT NULL,
    status VARCHAR(20) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by_key_id BIGINT,
    closed_at TIMESTAMP WITH TIME ZONE,
    results JSONB,
    alpha FLOAT,
    PRIMARY KEY (id),
    CONSTRAINT qa_calibrations_status CHECK (status IN ('open', 'closed')),
    FOREIGN KEY(scorecard_version_id) REFERENCES qa_scorecard_versions (id),
    FOREIGN KEY(created_by_key_id) REFERENCES api_keys (id)
)
""",
    "CREATE INDEX qa_calibrations_closed_at_idx ON qa_calibrations (closed_at)",
    """
CREATE TABLE qa_reviews (
    id BIGSERIAL NOT NULL,
    ticket_id BIGINT NOT NULL,
    interaction_id BIGINT,
    scorecard_version_id BIGINT NOT NULL,
    calibration_id BIGINT,
    agent_id BIGINT,
    team_id BIGINT,
    reviewer_key_id BIGINT,
    reviewer_agent_id BIGINT,
    reviewer_name VARCHAR(200) NOT NULL,
    answers JSONB DEFAULT '{}'::jsonb NOT NULL,
    root_causes JSONB DEFAULT '{}'::jsonb NOT NULL,
    comment TEXT,
    suggestions JSONB DEFAULT '[]'::jsonb NOT NULL,
    score FLOAT,
    failed TEXT[] DEFAULT '{}' NOT NULL,
    critical_failed BOOLEAN NOT NULL,
    status VARCHAR(20) NOT NULL,
    reviewed_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT qa_reviews_status CHECK (status IN ('final', 'disputed', 'upheld', 'amended')),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id),
    FOREIGN KEY(interaction_id) REFERENCES interactions (id),
    FOREIGN KEY(scorecard_version_id) REFERENCES qa_scorecard_versions (id),
    FOREIGN KEY(calibration_id) REFERENCES qa_calibrations (id),
    FOREIGN KEY(agent_id) REFERENCES agents (id),
    FOREIGN KEY(team_id) REFERENCES teams (id),
    FOREIGN KEY(reviewer_key_id) REFERENCES api_keys (id),
    FOREIGN KEY(reviewer_agent_id) REFERENCES agents (id)
)
""",
    "CREATE INDEX qa_reviews_ticket_idx ON qa_reviews (ticket_id)",
    "CREATE INDEX qa_reviews_agent_idx ON qa_reviews (agent_id, reviewed_at)",
    "CREATE INDEX qa_reviews_reviewed_at_idx ON qa_reviews (reviewed_at)",
    "CREATE INDEX qa_reviews_calibration_idx ON qa_reviews (calibration_id)",
    "CREATE UNIQUE INDEX qa_reviews_calibration_once ON qa_reviews"
    " (calibration_id, ticket_id, reviewer_key_id) WHERE calibration_id IS NOT NULL",
    """
CREATE TABLE qa_disputes (
    id BIGSERIAL NOT NULL,
    review_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    agent_id BIGINT,
    reason TEXT NOT NULL,
    raised_at TIMESTAMP WITH TIME ZONE NOT NULL,
    raised_by_key_id BIGINT,
    decision VARCHAR(20),
    decision_comment TEXT,
    decided_at TIMESTAMP WITH TIME ZONE,
    decided_by_key_id BIGINT,
    previous_answers JSONB,
    previous_score FLOAT,
    PRIMARY KEY (id),
    CONSTRAINT qa_disputes_decision CHECK (decision IS NULL OR decision IN ('upheld', 'amended')),
    FOREIGN KEY(review_id) REFERENCES qa_reviews (id),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id),
    FOREIGN KEY(agent_id) REFERENCES agents (id),
    FOREIGN KEY(raised_by_key_id) REFERENCES api_keys (id),
    FOREIGN KEY(decided_by_key_id) REFERENCES api_keys (id),
    UNIQUE (review_id)
)
""",
    """
CREATE TABLE qa_assignments (
    id BIGSERIAL NOT NULL,
    period VARCHAR(10) NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    per_agent INTEGER NOT NULL,
    filters JSONB DEFAULT '{}'::jsonb NOT NULL,
    seed BIGINT NOT NULL,
    population JSONB DEFAULT '{}'::jsonb NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by_key_id BIGINT,
    PRIMARY KEY (id),
    FOREIGN KEY(created_by_key_id) REFERENCES api_keys (id)
)
""",
    "CREATE INDEX qa_assignments_period_idx ON qa_assignments (period_start, period_end)",
    """
CREATE TABLE qa_assignment_items (
    id BIGSERIAL NOT NULL,
    assignment_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    period VARCHAR(10) NOT NULL,
    period_start DATE NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(assignment_id) REFERENCES qa_assignments (id),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id),
    FOREIGN KEY(agent_id) REFERENCES agents (id),
    CONSTRAINT qa_assignment_items_once UNIQUE (ticket_id, period, period_start)
)
""",
    "CREATE INDEX qa_assignment_items_assignment_idx ON qa_assignment_items (assignment_id)",
    *(
        f"CREATE TRIGGER audit_{table} AFTER INSERT OR UPDATE OR DELETE ON {table}"
        " FOR EACH ROW EXECUTE FUNCTION audit_row()"
        for table in TABLES
    ),
]

DOWNGRADE: list[str] = [f"DROP TABLE {table}" for table in reversed(TABLES)]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
