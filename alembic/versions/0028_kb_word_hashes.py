"""knowledge-base search: the words an article is found by, as a small array kept in its row

- `kb_word_hashes(tsvector)`: the article's stemmed words as 32-bit hashes (the first eight hex
  digits of each word's md5: stable across PostgreSQL versions, unlike hashtext()).
- `kb_articles.word_hashes`: generated from `search_vector` (title, summary and body), ~4 bytes
  a distinct word, stored in the row (STORAGE MAIN), with a GIN index. Choosing the candidates
  of a search reads this array, never the whole weighted vector, which is kept out of line
  with the body (TOAST) once the body is of realistic length: a search of a common word
  checked hundreds of those per query.
- The trigram fallback (typos, very short queries) matches titles: a trigram index on
  `lower(title)` replaces the one on `search_words` (title and summary), whose every
  candidate cost a word_similarity() over a few hundred characters.
- `head_vector` (title and summary) stays in the row too (STORAGE MAIN): ranking reads it.
- The GIN index on `search_vector` is dropped: nothing matches on it any more (snippets and
  the fields matched read it for the page returned only).

Revision ID: 0028
Revises: 0026
Create Date: 2027-03-01 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE: list[str] = [
    """
CREATE FUNCTION kb_word_hashes(words tsvector) RETURNS integer[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ARRAY(SELECT ('x' || left(md5(w.lexeme), 8))::bit(32)::integer FROM unnest(words) w)
""",
    "DROP INDEX kb_articles_search_idx",
    "ALTER TABLE kb_articles ADD COLUMN word_hashes INTEGER[]"
    " GENERATED ALWAYS AS (kb_word_hashes(search_vector)) STORED NOT NULL",
    "ALTER TABLE kb_articles ALTER COLUMN word_hashes SET STORAGE MAIN",
    "ALTER TABLE kb_articles ALTER COLUMN head_vector SET STORAGE MAIN",
    "CREATE INDEX kb_articles_words_idx ON kb_articles USING gin (word_hashes)",
    "DROP INDEX kb_articles_words_trgm_idx",
    "CREATE INDEX kb_articles_title_trgm_idx ON kb_articles USING gin (lower(title) gin_trgm_ops)",
]

DOWNGRADE: list[str] = [
    "DROP INDEX kb_articles_title_trgm_idx",
    "CREATE INDEX kb_articles_words_trgm_idx ON kb_articles USING gin (search_words gin_trgm_ops)",
    "DROP INDEX kb_articles_words_idx",
    "ALTER TABLE kb_articles ALTER COLUMN head_vector SET STORAGE EXTENDED",
    "ALTER TABLE kb_articles DROP COLUMN word_hashes",
    "CREATE INDEX kb_articles_search_idx ON kb_articles USING gin (search_vector)",
    "DROP FUNCTION kb_word_hashes(tsvector)",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
