"""knowledge base: articles, their immutable revisions and translations, links, searches

- kb_articles: an article in one language with its current content, life (draft, published,
  archived, `publish_at` for a scheduled publication), visibility, owner team, and the words it
  is found by: a weighted tsvector (title A, summary B, body C) stemmed with its language's text
  search configuration (Thai segmented into words first, under 'simple'), the title's and
  summary's alone (head_vector), and the title and summary for trigram similarity.
  Translations share `group_id` (the original's id) and record the source revision they
  follow.
- kb_revisions: every revision of an article's content; a trigger refuses to change one.
- kb_links: the articles that solved a ticket.
- kb_searches: every search and every ticket's suggestions, with the result opened or used.
- The articles, revisions and links are audited like the other tables (migration 0007's
  audit_row trigger).

Revision ID: 0020
Revises: 0018
Create Date: 2027-03-01 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDITED = ("kb_articles", "kb_revisions", "kb_links")

UPGRADE: list[str] = [
    # Shipped with PostgreSQL's contrib; migration 0005 created it already.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
CREATE TABLE kb_articles (
    id BIGSERIAL NOT NULL,
    group_id BIGINT NOT NULL,
    source_article_id BIGINT,
    source_revision INTEGER,
    language VARCHAR(35) NOT NULL,
    base_language VARCHAR(8) NOT NULL,
    title TEXT NOT NULL,
    summary TEXT,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    category VARCHAR(200),
    tags TEXT[] DEFAULT '{}' NOT NULL,
    status VARCHAR(20) NOT NULL,
    visibility VARCHAR(20) NOT NULL,
    owner_team_id BIGINT,
    author_key_id BIGINT,
    author_agent_id BIGINT,
    publish_at TIMESTAMP WITH TIME ZONE,
    published_at TIMESTAMP WITH TIME ZONE,
    archived_at TIMESTAMP WITH TIME ZONE,
    review_by TIMESTAMP WITH TIME ZONE,
    revision INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    search_config VARCHAR(20) NOT NULL,
    search_vector TSVECTOR NOT NULL,
    head_vector TSVECTOR NOT NULL,
    search_words TEXT NOT NULL,
    search_body TEXT,
    PRIMARY KEY (id),
    CONSTRAINT kb_articles_status_check CHECK (status IN ('draft', 'published', 'archived')),
    CONSTRAINT kb_articles_visibility_check CHECK (visibility IN ('internal', 'public')),
    CONSTRAINT kb_articles_source_check CHECK ((source_article_id IS NULL) = (source_revision IS NULL)),
    FOREIGN KEY(group_id) REFERENCES kb_articles (id),
    FOREIGN KEY(source_article_id) REFERENCES kb_articles (id),
    FOREIGN KEY(owner_team_id) REFERENCES teams (id),
    FOREIGN KEY(author_key_id) REFERENCES api_keys (id),
    FOREIGN KEY(author_agent_id) REFERENCES agents (id)
)
""",
    "CREATE INDEX kb_articles_group_idx ON kb_articles (group_id, id)",
    "CREATE INDEX kb_articles_head_idx ON kb_articles USING gin (head_vector)",
    "CREATE INDEX kb_articles_language_idx ON kb_articles (base_language, status, id)",
    "CREATE INDEX kb_articles_search_idx ON kb_articles USING gin (search_vector)",
    "CREATE INDEX kb_articles_source_idx ON kb_articles (source_article_id)",
    "CREATE INDEX kb_articles_updated_idx ON kb_articles (updated_at, id)",
    "CREATE INDEX kb_articles_words_trgm_idx ON kb_articles USING gin (search_words gin_trgm_ops)",
    """
CREATE TABLE kb_revisions (
    id BIGSERIAL NOT NULL,
    article_id BIGINT NOT NULL,
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    summary TEXT,
    body TEXT NOT NULL,
    category VARCHAR(200),
    tags TEXT[] NOT NULL,
    author_key_id BIGINT,
    author_agent_id BIGINT,
    restored_from INTEGER,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT kb_revisions_number_key UNIQUE (article_id, number),
    FOREIGN KEY(article_id) REFERENCES kb_articles (id),
    FOREIGN KEY(author_key_id) REFERENCES api_keys (id),
    FOREIGN KEY(author_agent_id) REFERENCES agents (id)
)
""",
    """
CREATE TABLE kb_links (
    id BIGSERIAL NOT NULL,
    ticket_id BIGINT NOT NULL,
    article_id BIGINT NOT NULL,
    origin VARCHAR(20) NOT NULL,
    linked_by_key_id BIGINT,
    linked_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT kb_links_once_key UNIQUE (ticket_id, article_id),
    CONSTRAINT kb_links_origin_check CHECK (origin IN ('agent', 'interaction')),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id) ON DELETE CASCADE,
    FOREIGN KEY(article_id) REFERENCES kb_articles (id),
    FOREIGN KEY(linked_by_key_id) REFERENCES api_keys (id)
)
""",
    "CREATE INDEX kb_links_article_idx ON kb_links (article_id, linked_at)",
    "CREATE INDEX kb_links_linked_at_idx ON kb_links (linked_at)",
    """
CREATE TABLE kb_searches (
    id BIGSERIAL NOT NULL,
    kind VARCHAR(20) NOT NULL,
    query TEXT NOT NULL,
    language VARCHAR(35),
    audience VARCHAR(20) NOT NULL,
    result_count INTEGER NOT NULL,
    result_ids BIGINT[] NOT NULL,
    key_id BIGINT,
    customer_id BIGINT,
    ticket_id BIGINT,
    opened_article_id BIGINT,
    opened_at TIMESTAMP WITH TIME ZONE,
    used_article_id BIGINT,
    searched_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT kb_searches_kind_check CHECK (kind IN ('search', 'suggestion')),
    CONSTRAINT kb_searches_audience_check CHECK (audience IN ('internal', 'public')),
    FOREIGN KEY(key_id) REFERENCES api_keys (id),
    FOREIGN KEY(customer_id) REFERENCES customers (id) ON DELETE SET NULL,
    FOREIGN KEY(ticket_id) REFERENCES tickets (id) ON DELETE CASCADE,
    FOREIGN KEY(opened_article_id) REFERENCES kb_articles (id),
    FOREIGN KEY(used_article_id) REFERENCES kb_articles (id)
)
""",
    "CREATE INDEX kb_searches_customer_idx ON kb_searches (customer_id, searched_at) WHERE customer_id IS NOT NULL",
    "CREATE INDEX kb_searches_searched_at_idx ON kb_searches (searched_at, id)",
    "CREATE INDEX kb_searches_ticket_idx ON kb_searches (ticket_id, id) WHERE ticket_id IS NOT NULL",
    """
CREATE FUNCTION kb_revisions_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a knowledge base revision is never changed: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
""",
    "CREATE TRIGGER kb_revisions_immutable BEFORE UPDATE OR DELETE ON kb_revisions"
    " FOR EACH ROW EXECUTE FUNCTION kb_revisions_refuse_change()",
    *(
        f"CREATE TRIGGER audit_{table} AFTER INSERT OR UPDATE OR DELETE ON {table}"
        " FOR EACH ROW EXECUTE FUNCTION audit_row()"
        for table in AUDITED
    ),
]

DOWNGRADE: list[str] = [
    *(f"DROP TRIGGER audit_{table} ON {table}" for table in AUDITED),
    "DROP TRIGGER kb_revisions_immutable ON kb_revisions",
    "DROP FUNCTION kb_revisions_refuse_change()",
    "DROP TABLE kb_searches",
    "DROP TABLE kb_links",
    "DROP TABLE kb_revisions",
    "DROP TABLE kb_articles",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
