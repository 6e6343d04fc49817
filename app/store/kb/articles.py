"""The knowledge base's articles, their immutable revisions and their translation groups."""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

import asyncpg

from app.domain.kb import IndexedText, Reader
from app.store.paging import KeyColumn, Order, Params, fetch_page, rows_of

# ---- articles --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArticleContent:
    """What an edit writes of an article (its revision's content, rendered and indexed)."""

    title: str
    summary: str | None
    body: str
    body_html: str
    category: str | None
    tags: list[str]


@dataclass(frozen=True, slots=True)
class ArticleState:
    """An article's life and audience: what changes without a new revision."""

    status: str
    visibility: str
    owner_team_id: int | None
    publish_at: datetime | None
    published_at: datetime | None
    archived_at: datetime | None
    review_by: datetime | None
    source_revision: int | None


@dataclass(frozen=True, slots=True)
class ArticleRow:
    id: int
    group_id: int
    source_article_id: int | None
    source_revision: int | None
    language: str
    base_language: str
    title: str
    summary: str | None
    body: str
    body_html: str
    category: str | None
    tags: list[str]
    status: str
    visibility: str
    owner_team_id: int | None
    author_key_id: int | None
    author_agent_id: int | None
    publish_at: datetime | None
    published_at: datetime | None
    archived_at: datetime | None
    review_by: datetime | None
    revision: int
    version: int
    created_at: datetime
    updated_at: datetime


ARTICLE_COLUMNS = tuple(f.name for f in fields(ArticleRow))
_SELECT = ", ".join(ARTICLE_COLUMNS)

# The words, stemmed in the article's configuration: title A, summary B, body C. Public: a bulk
# load (bench/kb.py) indexes with the same expressions.
VECTOR = (
    "setweight(to_tsvector({c}::regconfig, {t}), 'A')"
    " || setweight(to_tsvector({c}::regconfig, {s}), 'B')"
    " || setweight(to_tsvector({c}::regconfig, {b}), 'C')"
)

HEAD = (
    "setweight(to_tsvector({c}::regconfig, {t}), 'A')"
    " || setweight(to_tsvector({c}::regconfig, {s}), 'B')"
)

_INSERT_ARTICLE = f"""
    WITH new AS (SELECT nextval(pg_get_serial_sequence('kb_articles', 'id')) AS id)
    INSERT INTO kb_articles (id, group_id, source_article_id, source_revision, language,
        base_language, title, summary, body, body_html, category, tags, status, visibility,
        owner_team_id, author_key_id, author_agent_id, publish_at, published_at, archived_at,
        review_by, revision, version, created_at, updated_at, search_config, search_vector,
        head_vector, search_body)
    SELECT new.id, coalesce($1, new.id), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
        $14, $15, $16, $17, $18, $19, $20, 1, 1, $21, $21, $22::text,
        {VECTOR.format(c="$22::text", t="$23", s="$24", b="$25")},
        {HEAD.format(c="$22::text", t="$23", s="$24")}, $26
    FROM new
    RETURNING {_SELECT}
"""


@dataclass(frozen=True, slots=True)
class NewArticle:
    group_id: int | None  # None: a group of its own
    source_article_id: int | None
    source_revision: int | None
    language: str
    base_language: str
    content: ArticleContent
    state: ArticleState
    author_key_id: int | None
    author_agent_id: int | None
    indexed: IndexedText
    now: datetime


async def insert_article(conn: asyncpg.Connection, a: NewArticle) -> ArticleRow:
    c, s, i = a.content, a.state, a.indexed
    found = await conn.fetchrow(
        _INSERT_ARTICLE,
        a.group_id,
        a.source_article_id,
        a.source_revision,
        a.language,
        a.base_language,
        c.title,
        c.summary,
        c.body,
        c.body_html,
        c.category,
        c.tags,
        s.status,
        s.visibility,
        s.owner_team_id,
        a.author_key_id,
        a.author_agent_id,
        s.publish_at,
        s.published_at,
        s.archived_at,
        s.review_by,
        a.now,
        i.config,
        i.title,
        i.summary,
        i.body,
        i.segmented_body,
    )
    await add_words(conn, a.base_language, i)
    return ArticleRow(**found)


_UPDATE_CONTENT = f"""
    UPDATE kb_articles SET title = $2, summary = $3, body = $4, body_html = $5, category = $6,
        tags = $7, revision = revision + 1, version = version + 1, updated_at = $8,
        search_vector = {VECTOR.format(c="search_config", t="$9", s="$10", b="$11")},
        head_vector = {HEAD.format(c="search_config", t="$9", s="$10")},
        search_body = $12
    WHERE id = $1
    RETURNING {_SELECT}
"""


async def update_content(
    conn: asyncpg.Connection,
    article_id: int,
    c: ArticleContent,
    indexed: IndexedText,
    now: datetime,
) -> ArticleRow:
    """The article's content replaced (its revision number one higher), and its words."""
    found = await conn.fetchrow(
        _UPDATE_CONTENT,
        article_id,
        c.title,
        c.summary,
        c.body,
        c.body_html,
        c.category,
        c.tags,
        now,
        indexed.title,
        indexed.summary,
        indexed.body,
        indexed.segmented_body,
    )
    await add_words(conn, found["base_language"], indexed)
    return ArticleRow(**found)


# ---- the words the articles are written in ----------------------------------------------------

# A text's distinct words as kb_words keeps them: lower case, as the `simple` configuration
# cuts them (no stemming: a query's typo is corrected to a word as written), of a length a
# typo can be told in. Public: a bulk load adds its words with the same expression.
KNOWN_WORDS = (
    "SELECT DISTINCT w.word FROM unnest(tsvector_to_array(to_tsvector('simple', {text})))"
    " AS w(word) WHERE length(w.word) BETWEEN 3 AND 60"
)
# In order: two articles written at once add their common words in the same order, so
# neither waits on the other's in a cycle.
_ADD_WORDS = f"""
    INSERT INTO kb_words (language, word)
    SELECT $1, k.word FROM ({KNOWN_WORDS.format(text="$2")}) AS k ORDER BY k.word
    ON CONFLICT DO NOTHING
"""


async def add_words(conn: asyncpg.Connection, language: str, indexed: IndexedText) -> None:
    """The words of an article's text known from now on in its language (base subtag)."""
    await conn.execute(_ADD_WORDS, language, indexed.all_words)


_UPDATE_STATE = f"""
    UPDATE kb_articles SET status = $2, visibility = $3, owner_team_id = $4, publish_at = $5,
        published_at = $6, archived_at = $7, review_by = $8, source_revision = $9,
        version = version + 1, updated_at = $10
    WHERE id = $1
    RETURNING {_SELECT}
"""


async def update_state(
    conn: asyncpg.Connection, article_id: int, s: ArticleState, now: datetime
) -> ArticleRow:
    found = await conn.fetchrow(
        _UPDATE_STATE,
        article_id,
        s.status,
        s.visibility,
        s.owner_team_id,
        s.publish_at,
        s.published_at,
        s.archived_at,
        s.review_by,
        s.source_revision,
        now,
    )
    return ArticleRow(**found)


_GET = f"SELECT {_SELECT} FROM kb_articles WHERE id = $1"
_LOCK = f"{_GET} FOR UPDATE"


async def get_article(
    conn: asyncpg.Connection, article_id: int, *, lock: bool = False
) -> ArticleRow | None:
    """The article whoever may see it: callers decide with app.domain.kb.sees."""
    found = await conn.fetchrow(_LOCK if lock else _GET, article_id)
    return None if found is None else ArticleRow(**found)


_OF_GROUP = f"SELECT {_SELECT} FROM kb_articles WHERE group_id = $1 ORDER BY id"


async def of_group(conn: asyncpg.Connection, group_id: int) -> list[ArticleRow]:
    """The articles of a translation group, the original first."""
    return [ArticleRow(**r) for r in await conn.fetch(_OF_GROUP, group_id)]


_CURRENT_REVISIONS = "SELECT id, revision FROM kb_articles WHERE id = ANY($1::bigint[])"


async def current_revisions(conn: asyncpg.Connection, ids: Sequence[int]) -> dict[int, int]:
    return {r["id"]: r["revision"] for r in await conn.fetch(_CURRENT_REVISIONS, list(ids))}


def reader_sql(reader: Reader, p: Params, now: datetime, a: str = "a") -> str | None:
    """The one predicate limiting articles to those `reader` sees (app.domain.kb.sees in SQL);
    None: no limit."""
    if reader.all_drafts and not reader.public_only:
        return None
    at = p(now, "timestamptz")
    live = f"({a}.status = 'published' AND ({a}.publish_at IS NULL OR {a}.publish_at <= {at}))"
    if reader.public_only:
        return f"({live} AND {a}.visibility = 'public')"
    editor = [f"{a}.author_key_id = ANY({p(sorted(reader.key_ids), 'bigint[]')})"]
    if reader.agent_id is not None:
        editor.append(f"{a}.author_agent_id = {p(reader.agent_id, 'bigint')}")
    if reader.team_ids:
        editor.append(f"{a}.owner_team_id = ANY({p(sorted(reader.team_ids), 'bigint[]')})")
    return f"({live} OR {' OR '.join(editor)})"


@dataclass(frozen=True)
class ArticleFilters:
    base_language: str | None = None
    category: str | None = None
    status: str | None = None
    visibility: str | None = None
    group_id: int | None = None


ARTICLES = Order("kb_articles", (KeyColumn("a.id", int),), descending=True)


async def page_articles(
    conn: asyncpg.Connection,
    filters: ArticleFilters,
    reader: Reader,
    now: datetime,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[ArticleRow], str | None]:
    """Newest first, those the reader sees."""
    p = Params()
    where = [
        f"a.{column} = {p(value, 'text' if column != 'group_id' else 'bigint')}"
        for column, value in (
            ("base_language", filters.base_language),
            ("category", filters.category),
            ("status", filters.status),
            ("visibility", filters.visibility),
            ("group_id", filters.group_id),
        )
        if value is not None
    ]
    seen = reader_sql(reader, p, now)
    if seen:
        where.append(seen)
    rows, next_cursor = await fetch_page(
        conn,
        columns=", ".join(f"a.{c}" for c in ARTICLE_COLUMNS),
        source="kb_articles a",
        where=where,
        params=p,
        order=ARTICLES,
        cursor=cursor,
        limit=limit,
    )
    return rows_of(ArticleRow, rows), next_cursor


# ---- revisions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewRevision:
    article_id: int
    number: int
    title: str
    summary: str | None
    body: str
    category: str | None
    tags: list[str]
    author_key_id: int | None
    author_agent_id: int | None
    restored_from: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RevisionRow(NewRevision):
    id: int


_REVISION_NEW = tuple(f.name for f in fields(NewRevision))
_REVISION_COLUMNS = ", ".join((*_REVISION_NEW, "id"))
_INSERT_REVISION = f"""
    INSERT INTO kb_revisions ({", ".join(_REVISION_NEW)})
    VALUES ({", ".join(f"${i}" for i in range(1, len(_REVISION_NEW) + 1))})
    RETURNING {_REVISION_COLUMNS}
"""


async def insert_revision(conn: asyncpg.Connection, r: NewRevision) -> RevisionRow:
    found = await conn.fetchrow(_INSERT_REVISION, *(getattr(r, n) for n in _REVISION_NEW))
    return RevisionRow(**found)


_REVISION = f"SELECT {_REVISION_COLUMNS} FROM kb_revisions WHERE article_id = $1 AND number = $2"


async def get_revision(
    conn: asyncpg.Connection, article_id: int, number: int
) -> RevisionRow | None:
    found = await conn.fetchrow(_REVISION, article_id, number)
    return None if found is None else RevisionRow(**found)


REVISIONS = Order("kb_revisions", (KeyColumn("number", int),), descending=True)


async def page_revisions(
    conn: asyncpg.Connection, article_id: int, *, limit: int, cursor: str | None
) -> tuple[list[RevisionRow], str | None]:
    """The article's revisions, newest first."""
    p = Params()
    rows, next_cursor = await fetch_page(
        conn,
        columns=_REVISION_COLUMNS,
        source="kb_revisions",
        where=[f"article_id = {p(article_id, 'bigint')}"],
        params=p,
        order=REVISIONS,
        cursor=cursor,
        limit=limit,
    )
    return rows_of(RevisionRow, rows), next_cursor
