"""tickets interactions history customers teams agents keys

Revision ID: 0001
Revises:
Create Date: 2026-11-23 07:12:13.591390
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statements, as SQL: the schema's DDL lives in SQL, the tables' definitions in app/models.
UPGRADE: list[str] = [
    """
CREATE TABLE customers (
    id BIGSERIAL NOT NULL,
    name VARCHAR(200) NOT NULL,
    email VARCHAR(320),
    phone VARCHAR(50),
    organization VARCHAR(200),
    account_number VARCHAR(100),
    language VARCHAR(35),
    time_zone VARCHAR(64),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (id)
)
""",
    "CREATE UNIQUE INDEX customers_email_key ON customers (lower(email))",
    "CREATE INDEX ix_customers_organization ON customers (organization)",
    """
CREATE TABLE idempotent_requests (
    api_key_id BIGINT NOT NULL,
    key VARCHAR(255) NOT NULL,
    operation VARCHAR(100) NOT NULL,
    request_hash VARCHAR(64) NOT NULL,
    status_code INTEGER,
    response_body JSONB,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (api_key_id, key)
)
""",
    "CREATE INDEX ix_idempotent_requests_created_at ON idempotent_requests (created_at)",
    """
CREATE TABLE teams (
    id BIGSERIAL NOT NULL,
    name VARCHAR(200) NOT NULL,
    tier INTEGER DEFAULT '1' NOT NULL,
    description TEXT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT teams_tier_range CHECK (tier BETWEEN 1 AND 3),
    UNIQUE (name)
)
""",
    """
CREATE TABLE agents (
    id BIGSERIAL NOT NULL,
    name VARCHAR(200) NOT NULL,
    email VARCHAR(320) NOT NULL,
    team_id BIGINT,
    role VARCHAR(20) NOT NULL,
    languages TEXT[] DEFAULT '{}' NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(team_id) REFERENCES teams (id),
    UNIQUE (email)
)
""",
    "CREATE INDEX ix_agents_team_id ON agents (team_id)",
    """
CREATE TABLE api_keys (
    id BIGSERIAL NOT NULL,
    name VARCHAR(200) NOT NULL,
    role VARCHAR(20) NOT NULL,
    prefix VARCHAR(16) NOT NULL,
    key_hash VARCHAR(64) NOT NULL,
    agent_id BIGINT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    revoked_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (id),
    FOREIGN KEY(agent_id) REFERENCES agents (id),
    UNIQUE (key_hash)
)
""",
    """
CREATE TABLE tickets (
    id BIGSERIAL NOT NULL,
    subject VARCHAR(500) NOT NULL,
    description TEXT,
    type VARCHAR(20) NOT NULL,
    status VARCHAR(20) NOT NULL,
    impact VARCHAR(20) NOT NULL,
    urgency VARCHAR(20) NOT NULL,
    priority VARCHAR(20) NOT NULL,
    priority_reason TEXT NOT NULL,
    priority_override VARCHAR(20),
    priority_override_reason TEXT,
    category VARCHAR(200),
    tags TEXT[] DEFAULT '{}' NOT NULL,
    channel VARCHAR(20) NOT NULL,
    customer_id BIGINT,
    team_id BIGINT,
    assignee_id BIGINT,
    tier INTEGER NOT NULL,
    language VARCHAR(35),
    external_id VARCHAR(300),
    product VARCHAR(200),
    model_number VARCHAR(200),
    serial_number VARCHAR(200),
    account_number VARCHAR(100),
    equipment_location VARCHAR(500),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    first_responded_at TIMESTAMP WITH TIME ZONE,
    last_public_reply_at TIMESTAMP WITH TIME ZONE,
    resolved_at TIMESTAMP WITH TIME ZONE,
    closed_at TIMESTAMP WITH TIME ZONE,
    reopen_count INTEGER NOT NULL,
    agent_reply_count INTEGER NOT NULL,
    customer_reply_count INTEGER NOT NULL,
    interaction_count INTEGER NOT NULL,
    created_by_key_id BIGINT,
    version INTEGER NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT tickets_tier_range CHECK (tier BETWEEN 1 AND 3),
    FOREIGN KEY(assignee_id) REFERENCES agents (id),
    FOREIGN KEY(created_by_key_id) REFERENCES api_keys (id),
    FOREIGN KEY(customer_id) REFERENCES customers (id),
    FOREIGN KEY(team_id) REFERENCES teams (id)
)
""",
    "CREATE INDEX ix_tickets_customer_id ON tickets (customer_id)",
    "CREATE INDEX tickets_assignee_created_at_id_idx ON tickets (assignee_id, created_at, id)",
    "CREATE UNIQUE INDEX tickets_channel_external_id_key ON tickets (channel, external_id) WHERE external_id IS NOT NULL",
    "CREATE INDEX tickets_created_at_id_idx ON tickets (created_at, id)",
    "CREATE INDEX tickets_status_created_at_id_idx ON tickets (status, created_at, id)",
    "CREATE INDEX tickets_tags_idx ON tickets USING gin (tags)",
    "CREATE INDEX tickets_team_created_at_id_idx ON tickets (team_id, created_at, id)",
    "CREATE INDEX tickets_updated_at_id_idx ON tickets (updated_at, id)",
    """
CREATE TABLE interactions (
    id BIGSERIAL NOT NULL,
    ticket_id BIGINT NOT NULL,
    kind VARCHAR(20) NOT NULL,
    direction VARCHAR(20) NOT NULL,
    public BOOLEAN NOT NULL,
    author_type VARCHAR(20) NOT NULL,
    author_agent_id BIGINT,
    author_customer_id BIGINT,
    author_name VARCHAR(200),
    body TEXT NOT NULL,
    occurred_at TIMESTAMP WITH TIME ZONE NOT NULL,
    duration_seconds INTEGER,
    external_id VARCHAR(300),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by_key_id BIGINT,
    PRIMARY KEY (id),
    FOREIGN KEY(author_agent_id) REFERENCES agents (id),
    FOREIGN KEY(author_customer_id) REFERENCES customers (id),
    FOREIGN KEY(created_by_key_id) REFERENCES api_keys (id),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id)
)
""",
    "CREATE INDEX interactions_ticket_occurred_idx ON interactions (ticket_id, occurred_at, id)",
    """
CREATE TABLE ticket_links (
    id BIGSERIAL NOT NULL,
    ticket_id BIGINT NOT NULL,
    linked_ticket_id BIGINT NOT NULL,
    kind VARCHAR(20) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by_key_id BIGINT,
    PRIMARY KEY (id),
    CONSTRAINT ticket_links_not_self CHECK (ticket_id <> linked_ticket_id),
    FOREIGN KEY(created_by_key_id) REFERENCES api_keys (id),
    FOREIGN KEY(linked_ticket_id) REFERENCES tickets (id),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id),
    CONSTRAINT ticket_links_unique UNIQUE (ticket_id, linked_ticket_id, kind)
)
""",
    "CREATE INDEX ix_ticket_links_linked_ticket_id ON ticket_links (linked_ticket_id)",
    "CREATE INDEX ix_ticket_links_ticket_id ON ticket_links (ticket_id)",
    """
CREATE TABLE ticket_history (
    id BIGSERIAL NOT NULL,
    ticket_id BIGINT NOT NULL,
    at TIMESTAMP WITH TIME ZONE NOT NULL,
    action VARCHAR(40) NOT NULL,
    field VARCHAR(60),
    old_value JSONB,
    new_value JSONB,
    actor_type VARCHAR(20) NOT NULL,
    actor_key_id BIGINT,
    actor_name VARCHAR(200),
    interaction_id BIGINT,
    note TEXT,
    PRIMARY KEY (id),
    FOREIGN KEY(actor_key_id) REFERENCES api_keys (id),
    FOREIGN KEY(interaction_id) REFERENCES interactions (id),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id)
)
""",
    "CREATE INDEX ticket_history_ticket_idx ON ticket_history (ticket_id, id)",
]

DOWNGRADE: list[str] = [
    "DROP INDEX ticket_history_ticket_idx",
    "DROP TABLE ticket_history",
    "DROP INDEX ix_ticket_links_ticket_id",
    "DROP INDEX ix_ticket_links_linked_ticket_id",
    "DROP TABLE ticket_links",
    "DROP INDEX interactions_ticket_occurred_idx",
    "DROP TABLE interactions",
    "DROP INDEX tickets_updated_at_id_idx",
    "DROP INDEX tickets_team_created_at_id_idx",
    "DROP INDEX tickets_tags_idx",
    "DROP INDEX tickets_status_created_at_id_idx",
    "DROP INDEX tickets_created_at_id_idx",
    "DROP INDEX tickets_channel_external_id_key",
    "DROP INDEX tickets_assignee_created_at_id_idx",
    "DROP INDEX ix_tickets_customer_id",
    "DROP TABLE tickets",
    "DROP TABLE api_keys",
    "DROP INDEX ix_agents_team_id",
    "DROP TABLE agents",
    "DROP TABLE teams",
    "DROP INDEX ix_idempotent_requests_created_at",
    "DROP TABLE idempotent_requests",
    "DROP INDEX ix_customers_organization",
    "DROP INDEX customers_email_key",
    "DROP TABLE customers",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
