"""knowledge-base search: the words the articles are written in, for correcting a query's typos

- kb_words: every distinct word (lower case, as PostgreSQL's `simple` configuration cuts it;
  Thai segmented first) of the articles' titles, summaries and bodies, per language (primary
  subtag), with a trigram index. A query whose words full text does not find has each unknown
  word replaced by the nearest known word of its language, then runs as full text again: a
  typo of a word anywhere in an article finds it, and the trigram search reads a short word
  list instead of the articles. Filled from the articles there are; each article's write adds
  its words (a word is never removed: a stale one corrects a query to a word that finds
  nothing, and the title fallback runs).
- kb_articles.search_words (title and summary as words) is dropped: nothing reads it since the
  trigram fallback matches `lower(title)`.

Revision ID: 0034
Revises: 0033
Create Date: 2027-03-09 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE: list[str] = [
    """
CREATE TABLE kb_words (
    language VARCHAR(8) NOT NULL,
    word TEXT NOT NULL,
    PRIMARY KEY (language, word)
)
""",
    "CREATE INDEX kb_words_trgm_idx ON kb_words USING gin (word gin_trgm_ops)",
    """
INSERT INTO kb_words (language, word)
SELECT DISTINCT a.base_language, w.word
FROM kb_articles a,
     unnest(tsvector_to_array(to_tsvector('simple',
        a.title || ' ' || coalesce(a.summary, '') || ' ' || coalesce(a.search_body, a.body))))
        AS w(word)
WHERE length(w.word) BETWEEN 3 AND 60
""",
    "ALTER TABLE kb_articles DROP COLUMN search_words",
]

DOWNGRADE: list[str] = [
    "ALTER TABLE kb_articles ADD COLUMN search_words TEXT NOT NULL DEFAULT ''",
    "UPDATE kb_articles SET search_words = trim(title || ' ' || coalesce(summary, ''))",
    "ALTER TABLE kb_articles ALTER COLUMN search_words DROP DEFAULT",
    "DROP TABLE kb_words",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
