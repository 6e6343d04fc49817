"""The knowledge base's SQL: articles and their revisions, translations, full-text and trigram
search with snippets, the searches recorded, links to tickets and the KPIs over them."""

import base64
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

import asyncpg
import orjson

from app.domain.kb import IndexedText, Reader, SearchPlan
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

# The words, stemmed in the article's configuration: title A, summary B, body C.
_VECTOR = (
    "setweight(to_tsvector({c}::regconfig, {t}), 'A')"
    " || setweight(to_tsvector({c}::regconfig, {s}), 'B')"
    " || setweight(to_tsvector({c}::regconfig, {b}), 'C')"
)

_HEAD = (
    "setweight(to_tsvector({c}::regconfig, {t}), 'A')"
    " || setweight(to_tsvector({c}::regconfig, {s}), 'B')"
)

_INSERT_ARTICLE = f"""
    WITH new AS (SELECT nextval(pg_get_serial_sequence('kb_articles', 'id')) AS id)
    INSERT INTO kb_articles (id, group_id, source_article_id, source_revision, language,
        base_language, title, summary, body, body_html, category, tags, status, visibility,
        owner_team_id, author_key_id, author_agent_id, publish_at, published_at, archived_at,
        review_by, revision, version, created_at, updated_at, search_config, search_vector,
        head_vector, search_words, search_body)
    SELECT new.id, coalesce($1, new.id), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
        $14, $15, $16, $17, $18, $19, $20, 1, 1, $21, $21, $22::text,
        {_VECTOR.format(c="$22::text", t="$23", s="$24", b="$25")},
        {_HEAD.format(c="$22::text", t="$23", s="$24")}, $26, $27
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
        i.trigram_words,
        i.segmented_body,
    )
    return ArticleRow(**found)


_UPDATE_CONTENT = f"""
    UPDATE kb_articles SET title = $2, summary = $3, body = $4, body_html = $5, category = $6,
        tags = $7, revision = revision + 1, version = version + 1, updated_at = $8,
        search_vector = {_VECTOR.format(c="search_config", t="$9", s="$10", b="$11")},
        head_vector = {_HEAD.format(c="search_config", t="$9", s="$10")},
        search_words = $12, search_body = $13
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
        indexed.trigram_words,
        indexed.segmented_body,
    )
    return ArticleRow(**found)


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


# ---- search ----------------------------------------------------------------------------------

# Hits of full text are ordered by rank (title above summary above body: the weights), those of
# the trigram fallback by word similarity; each listing its own cursors.
# A hit's rank reads only what is in its row: the title's and summary's words (ts_rank, A 1.0,
# B 0.4: a word in the title ranks above one in the summary) and the share of the query's words
# the article holds anywhere, body included, worth at most BODY_SHARE: below one word in the
# summary, so a body mention never outranks the article the words are the subject of.
BODY_SHARE = 0.1
RANK = (
    f"(ts_rank(a.head_vector, s.q) + {BODY_SHARE} * (SELECT count(*) FROM unnest(s.h) AS w"
    " WHERE w = ANY(a.word_hashes))::float8 / greatest(cardinality(s.h), 1))::float8"
)
FULL_TEXT = Order("kb_search", (KeyColumn(RANK, float), KeyColumn("a.id", int)), descending=True)
TRIGRAM = Order(
    "kb_search_similar",
    (KeyColumn("word_similarity(s.w, lower(a.title))::float8", float), KeyColumn("a.id", int)),
    descending=True,
)
# What full text ranks: the newest CANDIDATES articles with the words in their title or summary
# (head_vector), and the newest CANDIDATES with them anywhere (word_hashes). Both are read from
# the row itself, never from the weighted vector kept out of line with a long body: a common
# word is found by walking the newest articles and checking each one's small array, a rare one
# through the GIN indexes; either way the cost follows the page, not the corpus. The articles
# whose subject the words are (title, summary) are among those ranked unless more than
# CANDIDATES newer titles and summaries share them.
CANDIDATES = 150
# How alike a query and an article's title and summary must be for the fallback: low enough
# for a typo or two in a word, high enough that unrelated words do not come back.
SIMILARITY = 0.45


def listing_of(cursor: str | None) -> str | None:
    """Which listing issued `cursor` (full text or trigram); None when it names none. The
    listing itself checks the cursor when it is used."""
    if not cursor:
        return None
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        listing = payload.get("s") if isinstance(payload, dict) else None
    except (ValueError, orjson.JSONDecodeError):
        return None
    return listing if isinstance(listing, str) else None


@dataclass(frozen=True)
class SearchFilters:
    category: str | None = None
    visibility: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    id: int
    rank: float
    category: str | None


def _tsquery(plan: SearchPlan, p: Params, *, any_word: bool) -> str:
    """The query in each of the plan's configurations (OR-ed: the union of their matches).
    `any_word`: every word an alternative (a ticket's text), not all of them required."""
    words = p(plan.words, "text")
    if any_word:
        parts = [
            "(SELECT coalesce(string_agg(quote_literal(lexeme), ' | '), '')::tsquery"
            f" FROM unnest(to_tsvector('{config}'::regconfig, {words})))"
            for config in plan.configs
        ]
    else:
        parts = [f"websearch_to_tsquery('{config}'::regconfig, {words})" for config in plan.configs]
    return " || ".join(parts)


def _search_where(
    plan: SearchPlan, filters: SearchFilters, reader: Reader, p: Params, now: datetime, a: str
) -> list[str]:
    """Live articles (published, publish_at reached) the reader sees, in the asked language."""
    at = p(now, "timestamptz")
    where = [f"{a}.status = 'published'", f"({a}.publish_at IS NULL OR {a}.publish_at <= {at})"]
    if plan.base_language is not None:
        where.append(f"{a}.base_language = {p(plan.base_language, 'text')}")
    if filters.category is not None:
        where.append(f"{a}.category = {p(filters.category, 'text')}")
    if reader.public_only:
        where.append(f"{a}.visibility = 'public'")
    elif filters.visibility is not None:
        where.append(f"{a}.visibility = {p(filters.visibility, 'text')}")
    return where


# The articles' rows are read from memory, not disk: for this transaction, walking the language
# index (its rows spread over the table) is costed as what it is, not as random reads; else a
# walk of the primary key, reading every language's articles, looks cheaper.
_WORD_HASHES = """
    SELECT c.config, kb_word_hashes(to_tsvector(c.config::regconfig, $2)) AS hashes
    FROM unnest($1::text[]) AS c(config),
         (SELECT set_config('random_page_cost', '1.1', true)) AS costed
"""


async def word_hashes(conn: asyncpg.Connection, configs: Sequence[str], words: str) -> list[int]:
    """The query's words stemmed in each configuration, as the hashes `word_hashes` holds
    (each configuration's separately: a candidate must match all of one's)."""
    rows = await conn.fetch(_WORD_HASHES, list(configs), words)
    return [r["hashes"] for r in rows if r["hashes"]]


def _int_array(values: Sequence[int]) -> str:
    # Integers the database computed: written into the statement so that the planner sees
    # them (how common each word is decides between the GIN index and the newest-first walk).
    return "'{" + ",".join(str(int(v)) for v in values) + "}'::integer[]"


async def search_full_text(
    conn: asyncpg.Connection,
    plan: SearchPlan,
    filters: SearchFilters,
    reader: Reader,
    now: datetime,
    *,
    limit: int,
    cursor: str | None,
    any_word: bool = False,
) -> tuple[list[Hit], str | None]:
    """Full-text hits, best first: the candidates are chosen by the words in the row (see
    CANDIDATES), then ranked by RANK."""
    per_config = await word_hashes(conn, plan.configs, plan.wanted.words)
    if not per_config:
        return [], None  # stop words alone: nothing to find
    p = Params()
    q = _tsquery(plan, p, any_word=any_word)
    operator = "&&" if any_word or plan.wanted.any_of else "@>"
    holds = " OR ".join(f"c.word_hashes {operator} {_int_array(h)}" for h in per_config)
    candidates = " UNION ".join(
        f"(SELECT c.id FROM kb_articles c WHERE ({match}) AND "
        + " AND ".join(_search_where(plan, filters, reader, p, now, "c"))
        + f" ORDER BY c.id DESC LIMIT {CANDIDATES})"
        for match in (f"c.head_vector @@ ({q})", holds)
    )
    where = [f"a.id IN ({candidates})"]
    if plan.wanted.exact and not any_word:
        where.append("a.search_vector @@ s.q")
    every = sorted({h for hashes in per_config for h in hashes})
    rows, next_cursor = await fetch_page(
        conn,
        columns=f"a.id, a.category, {RANK} AS rank",
        source=f"kb_articles a CROSS JOIN (SELECT {q} AS q, {_int_array(every)} AS h) s",
        where=where,
        params=p,
        order=FULL_TEXT,
        cursor=cursor,
        limit=limit,
    )
    return [Hit(r["id"], r["rank"], r["category"]) for r in rows], next_cursor


async def search_similar(
    conn: asyncpg.Connection,
    plan: SearchPlan,
    filters: SearchFilters,
    reader: Reader,
    now: datetime,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[Hit], str | None]:
    """The fallback: articles whose title holds a word like the query's (typos, very short
    queries), by pg_trgm's word similarity through the trigram index of the titles: a short
    field, so each article the index offers is checked quickly."""
    # The operator's threshold is a setting: for this transaction only.
    await conn.execute(
        "SELECT set_config('pg_trgm.word_similarity_threshold', $1, true)", str(SIMILARITY)
    )
    p = Params()
    source = f"kb_articles a CROSS JOIN (SELECT lower({p(plan.words, 'text')}) AS w) s"
    where = ["s.w <% lower(a.title)", *_search_where(plan, filters, reader, p, now, "a")]
    rows, next_cursor = await fetch_page(
        conn,
        columns="a.id, a.category, word_similarity(s.w, lower(a.title))::float8 AS rank",
        source=source,
        where=where,
        params=p,
        order=TRIGRAM,
        cursor=cursor,
        limit=limit,
    )
    return [Hit(r["id"], r["rank"], r["category"]) for r in rows], next_cursor


@dataclass(frozen=True, slots=True)
class HitDetail:
    """What a page of hits shows of each: the article, the fields that matched, a snippet with
    the matched words between MARK_START and MARK_STOP."""

    article: ArticleRow
    in_title: bool
    in_summary: bool
    in_body: bool
    snippet: str


MARK_START = "\x02"
MARK_STOP = "\x03"
_HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


async def hit_details(
    conn: asyncpg.Connection,
    plan: SearchPlan,
    ids: Sequence[int],
    *,
    similar: bool,
    any_word: bool = False,
) -> list[HitDetail]:
    """The page's hits in the order of `ids`: snippets are cut (ts_headline) only for these.
    Which field matched: a rank counting one weight only (title A, summary B, body C)."""
    if not ids:
        return []
    p = Params(list(ids))
    cols = ", ".join(f"a.{c}" for c in ARTICLE_COLUMNS)
    if similar:
        w = p(plan.words, "text")
        threshold = p(SIMILARITY, "float8")
        sql = f"""
            SELECT {cols},
                word_similarity(lower({w}), lower(a.title)) >= {threshold} AS in_title,
                word_similarity(lower({w}), lower(coalesce(a.summary, ''))) >= {threshold}
                    AS in_summary,
                false AS in_body,
                left(coalesce(a.summary, a.body), 240) AS snippet
            FROM kb_articles a WHERE a.id = ANY($1::bigint[])
        """
    else:
        q = _tsquery(plan, p, any_word=any_word)
        sql = f"""
            SELECT {cols},
                ts_rank('{{0,0,0,1}}'::float4[], a.search_vector, s.q) > 0 AS in_title,
                ts_rank('{{0,0,1,0}}'::float4[], a.search_vector, s.q) > 0 AS in_summary,
                ts_rank('{{0,1,0,0}}'::float4[], a.search_vector, s.q) > 0 AS in_body,
                ts_headline(a.search_config::regconfig, coalesce(a.search_body, a.body), s.q,
                            {p(_HEADLINE_OPTIONS, "text")}) AS snippet
            FROM kb_articles a CROSS JOIN (SELECT {q} AS q) s
            WHERE a.id = ANY($1::bigint[])
        """
    by_id = {}
    for r in await conn.fetch(sql, *p.values):
        article = ArticleRow(**{c: r[c] for c in ARTICLE_COLUMNS})
        by_id[article.id] = HitDetail(
            article, r["in_title"], r["in_summary"], r["in_body"], r["snippet"]
        )
    return [by_id[i] for i in ids if i in by_id]


# ---- searches recorded -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewSearch:
    kind: str
    query: str
    language: str | None
    audience: str
    result_count: int
    result_ids: list[int]
    key_id: int | None
    customer_id: int | None
    ticket_id: int | None
    searched_at: datetime


@dataclass(frozen=True, slots=True)
class SearchRow(NewSearch):
    id: int
    opened_article_id: int | None
    opened_at: datetime | None
    used_article_id: int | None


_SEARCH_NEW = tuple(f.name for f in fields(NewSearch))
_SEARCH_COLUMNS = ", ".join(f.name for f in fields(SearchRow))
_INSERT_SEARCH = f"""
    INSERT INTO kb_searches ({", ".join(_SEARCH_NEW)})
    VALUES ({", ".join(f"${i}" for i in range(1, len(_SEARCH_NEW) + 1))})
    RETURNING id
"""


async def record_search(conn: asyncpg.Connection, s: NewSearch) -> int:
    search_id: int = await conn.fetchval(_INSERT_SEARCH, *(getattr(s, n) for n in _SEARCH_NEW))
    return search_id


_GET_SEARCH = f"SELECT {_SEARCH_COLUMNS} FROM kb_searches WHERE id = $1"


async def get_search(conn: asyncpg.Connection, search_id: int) -> SearchRow | None:
    found = await conn.fetchrow(_GET_SEARCH, search_id)
    return None if found is None else SearchRow(**found)


_OPENED = """
    UPDATE kb_searches SET opened_article_id = $2, opened_at = $3
    WHERE id = $1 AND opened_article_id IS NULL
"""


async def mark_opened(
    conn: asyncpg.Connection, search_id: int, article_id: int, now: datetime
) -> None:
    """The first result opened from a search (a later one does not replace it)."""
    await conn.execute(_OPENED, search_id, article_id, now)


# The ticket's latest suggestion that offered the article, and any suggestion since (it is the
# same answer found again): marked used.
_USED = """
    UPDATE kb_searches SET used_article_id = $2
    WHERE ticket_id = $1 AND kind = 'suggestion' AND used_article_id IS NULL
      AND $2 = ANY(result_ids)
"""


async def mark_suggestions_used(conn: asyncpg.Connection, ticket_id: int, article_id: int) -> int:
    status: str = await conn.execute(_USED, ticket_id, article_id)
    return int(status.rsplit(" ", 1)[1])


# ---- links to tickets ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewLink:
    ticket_id: int
    article_id: int
    origin: str
    linked_by_key_id: int | None
    linked_at: datetime


@dataclass(frozen=True, slots=True)
class LinkRow(NewLink):
    id: int


_LINK_NEW = tuple(f.name for f in fields(NewLink))
_LINK_COLUMNS = ", ".join((*_LINK_NEW, "id"))
_INSERT_LINK = f"""
    INSERT INTO kb_links ({", ".join(_LINK_NEW)}) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT ON CONSTRAINT kb_links_once_key DO NOTHING
    RETURNING {_LINK_COLUMNS}
"""
_LINK_OF = f"SELECT {_LINK_COLUMNS} FROM kb_links WHERE ticket_id = $1 AND article_id = $2"
_LINKS_OF_TICKET = f"SELECT {_LINK_COLUMNS} FROM kb_links WHERE ticket_id = $1 ORDER BY id"


async def insert_link(conn: asyncpg.Connection, link: NewLink) -> tuple[LinkRow, bool]:
    """The link, and whether this call made it (False: the ticket had it already)."""
    found = await conn.fetchrow(_INSERT_LINK, *(getattr(link, n) for n in _LINK_NEW))
    if found is not None:
        return LinkRow(**found), True
    existing = await conn.fetchrow(_LINK_OF, link.ticket_id, link.article_id)
    return LinkRow(**existing), False


_LIVE = """
    SELECT id FROM kb_articles
    WHERE id = ANY($1::bigint[]) AND status = 'published' AND (publish_at IS NULL OR publish_at <= $2)
"""


async def live_of(conn: asyncpg.Connection, ids: Sequence[int], now: datetime) -> list[int]:
    """Those of `ids` that are published articles (publish_at reached)."""
    live = {r["id"] for r in await conn.fetch(_LIVE, list(ids), now)}
    return [i for i in ids if i in live]


async def links_of_ticket(conn: asyncpg.Connection, ticket_id: int) -> list[LinkRow]:
    return [LinkRow(**r) for r in await conn.fetch(_LINKS_OF_TICKET, ticket_id)]


# ---- KPIs ------------------------------------------------------------------------------------

# Per language (primary subtag) over [since, until): tickets solved by an article, searches,
# those with no result, portal searches and those followed by no ticket of their customer
# within a day (counted once that day has passed), then what needs work now: outdated
# translations and articles past review_by.
_KPIS = """
WITH solved AS (
    SELECT a.base_language AS language, count(DISTINCT l.ticket_id) AS tickets_solved,
           count(*) AS links
    FROM kb_links l JOIN kb_articles a ON a.id = l.article_id
    WHERE l.linked_at >= $1 AND l.linked_at < $2
    GROUP BY 1
), searched AS (
    SELECT split_part(lower(coalesce(s.language, '')), '-', 1) AS language,
           count(*) FILTER (WHERE s.kind = 'search') AS searches,
           count(*) FILTER (WHERE s.kind = 'search' AND s.result_count = 0) AS zero_result,
           count(*) FILTER (WHERE s.kind = 'search' AND s.customer_id IS NOT NULL
                              AND s.searched_at <= $3::timestamptz - interval '1 day') AS portal_searches,
           count(*) FILTER (
               WHERE s.kind = 'search' AND s.customer_id IS NOT NULL
                 AND s.searched_at <= $3::timestamptz - interval '1 day'
                 AND NOT EXISTS (
                     SELECT 1 FROM tickets t
                     WHERE t.customer_id = s.customer_id AND t.created_at >= s.searched_at
                       AND t.created_at < s.searched_at + interval '1 day')
           ) AS deflected
    FROM kb_searches s
    WHERE s.searched_at >= $1 AND s.searched_at < $2
    GROUP BY 1
), outdated AS (
    SELECT t.base_language AS language, count(*) AS outdated_translations
    FROM kb_articles t JOIN kb_articles src ON src.id = t.source_article_id
    WHERE t.status <> 'archived' AND src.revision > t.source_revision
    GROUP BY 1
), review AS (
    SELECT base_language AS language, count(*) AS past_review
    FROM kb_articles WHERE status <> 'archived' AND review_by <= $3::timestamptz
    GROUP BY 1
)
SELECT language,
       coalesce(solved.tickets_solved, 0) AS tickets_solved,
       coalesce(solved.links, 0) AS links,
       coalesce(searched.searches, 0) AS searches,
       coalesce(searched.zero_result, 0) AS zero_result_searches,
       coalesce(searched.portal_searches, 0) AS portal_searches,
       coalesce(searched.deflected, 0) AS deflected_searches,
       coalesce(outdated.outdated_translations, 0) AS outdated_translations,
       coalesce(review.past_review, 0) AS past_review
FROM solved
FULL JOIN searched USING (language)
FULL JOIN outdated USING (language)
FULL JOIN review USING (language)
ORDER BY language
"""


@dataclass(frozen=True, slots=True)
class LanguageKpis:
    language: str
    tickets_solved: int
    links: int
    searches: int
    zero_result_searches: int
    portal_searches: int
    deflected_searches: int
    outdated_translations: int
    past_review: int


async def kpis(
    conn: asyncpg.Connection, since: datetime, until: datetime, now: datetime
) -> list[LanguageKpis]:
    return [LanguageKpis(**r) for r in await conn.fetch(_KPIS, since, until, now)]


_ZERO_RESULT_QUERIES = """
    SELECT split_part(lower(coalesce(language, '')), '-', 1) AS language, lower(query) AS query,
           count(*) AS searches
    FROM kb_searches
    WHERE kind = 'search' AND result_count = 0 AND searched_at >= $1 AND searched_at < $2
    GROUP BY 1, 2 ORDER BY 3 DESC, 2 LIMIT $3
"""


async def zero_result_queries(
    conn: asyncpg.Connection, since: datetime, until: datetime, limit: int
) -> list[tuple[str, str, int]]:
    """The queries that found nothing, most asked first: what the knowledge base lacks."""
    rows = await conn.fetch(_ZERO_RESULT_QUERIES, since, until, limit)
    return [(r["language"], r["query"], r["searches"]) for r in rows]


_MOST_USED = """
    SELECT a.id, a.base_language AS language, a.title, count(*) AS links
    FROM kb_links l JOIN kb_articles a ON a.id = l.article_id
    WHERE l.linked_at >= $1 AND l.linked_at < $2
    GROUP BY a.id ORDER BY links DESC, a.id LIMIT $3
"""


async def most_used(
    conn: asyncpg.Connection, since: datetime, until: datetime, limit: int
) -> list[tuple[int, str, str, int]]:
    rows = await conn.fetch(_MOST_USED, since, until, limit)
    return [(r["id"], r["language"], r["title"], r["links"]) for r in rows]
