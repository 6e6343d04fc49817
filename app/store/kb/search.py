"""Searching the knowledge base: candidates by the words kept in each article's row, ranked;
the trigram fallback on titles; snippets and the fields matched for the page returned."""

import base64
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

import asyncpg
import orjson

from app.domain.kb import Reader, SearchPlan, snippet_window
from app.store.paging import KeyColumn, Order, Params, fetch_page

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
# Full text of a query whose words were corrected to known words (a typo): the same order,
# its own cursors (the next page corrects the query again).
CORRECTED = Order("kb_search_corrected", FULL_TEXT.columns, descending=True)
TRIGRAM = Order(
    "kb_search_similar",
    (KeyColumn("word_similarity(s.w, lower(a.title))::float8", float), KeyColumn("a.id", int)),
    descending=True,
)
# What full text ranks: the newest CANDIDATES articles with the words in their title or summary
# (head_vector), and, when those do not fill the page, the newest CANDIDATES with them anywhere
# (word_hashes). Both are read from the row itself, never from the weighted vector kept out of
# line with a long body. Each is looked for first among the newest WALK articles the reader may
# be shown (a walk of the language's index, checking each row's small values): a common word
# is found there, whatever the planner believes of how common it is in the language (it
# multiplies the word's share by the language's, and a Dutch word is in no English article);
# only a word rarer than that asks the GIN index for all its articles, few by then. Either way
# the cost follows the page, not the corpus. The articles whose subject the words are (title,
# summary) are among those ranked unless more than CANDIDATES newer titles and summaries
# share them.
CANDIDATES = 150
WALK = 2000
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


# How many articles hold each word, as a share of all: from the statistics ANALYZE keeps of
# word_hashes (its most common elements and their frequencies, the one at the same place as
# its element). A word not among them is rarer than all that are (share 0 here). The arrays
# are read whole and a word's place looked up in them (array_position): cheaper than a row
# for each of their thousand elements, joined to the words.
_COMMON = """
    SELECT s.most_common_elems::text::integer[] AS hashes, s.most_common_elem_freqs AS shares
    FROM pg_stats s
    WHERE s.schemaname = current_schema() AND s.tablename = 'kb_articles'
      AND s.attname = 'word_hashes'
"""


def _share(hash_sql: str) -> str:
    """The share of the articles holding the word `hash_sql` (NULL when not a common one),
    for `common k` joined."""
    return f"k.shares[array_position(k.hashes, {hash_sql})]"


# The query's words, how common they are; and, set on the way (no round trip of its own):
# the articles' rows are read from memory, not disk: for this transaction, walking the language
# index (its rows spread over the table) is costed as what it is, not as random reads; else a
# walk of the primary key, reading every language's articles, looks cheaper.
_WORD_HASHES = f"""
    WITH common AS MATERIALIZED ({_COMMON})
    SELECT c.config, x.hashes,
        (SELECT coalesce(min(coalesce({_share("h")}, 0)), 0) FROM unnest(x.hashes) AS h
         LEFT JOIN common k ON true) AS rarest,
        (SELECT coalesce(max({_share("h")}), 0) FROM unnest(x.hashes) AS h, common k)
            AS commonest
    FROM unnest($1::text[]) AS c(config),
         LATERAL (SELECT kb_word_hashes(to_tsvector(c.config::regconfig, $2)) AS hashes) x,
         (SELECT set_config('random_page_cost', '1.1', true)) AS costed
"""
# A search walks the newest articles first (see WALK) only when its words are this common:
# held by this share of all articles at least (all of them; any of them for `or`). A rarer
# word's articles are read from the GIN index straight away.
WALK_SHARE = 0.01


@dataclass(frozen=True)
class QueryWords:
    """The query's words stemmed in each configuration, as the hashes `word_hashes` holds (each
    configuration's separately: a candidate must match all of one's); how common the rarest
    and the commonest are (shares of all articles)."""

    per_config: list[list[int]]
    rarest: float
    commonest: float


async def word_hashes(conn: asyncpg.Connection, configs: Sequence[str], words: str) -> QueryWords:
    rows = [r for r in await conn.fetch(_WORD_HASHES, list(configs), words) if r["hashes"]]
    return QueryWords(
        [r["hashes"] for r in rows],
        max((r["rarest"] for r in rows), default=0.0),
        max((r["commonest"] for r in rows), default=0.0),
    )


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
    order: Order = FULL_TEXT,
) -> tuple[list[Hit], str | None]:
    """Full-text hits, best first: the candidates are chosen by the words in the row (see
    CANDIDATES), then ranked by RANK. The articles holding the words in their title or summary
    rank above those holding them in the body alone: when they fill the page, the body's are
    not looked for (a common word's: thousands)."""
    words = await word_hashes(conn, plan.configs, plan.wanted.words)
    if not words.per_config:
        return [], None  # stop words alone: nothing to find
    share = words.commonest if any_word or plan.wanted.any_of else words.rarest
    walk = share >= WALK_SHARE
    per_config = words.per_config
    hits, next_cursor = await _ranked(
        conn, plan, per_config, filters, reader, now, limit, cursor, any_word, order, (False, walk)
    )
    if len(hits) < limit and not next_cursor:
        hits, next_cursor = await _ranked(
            conn,
            plan,
            per_config,
            filters,
            reader,
            now,
            limit,
            cursor,
            any_word,
            order,
            (True, walk),
        )
    return hits, next_cursor


async def _ranked(
    conn: asyncpg.Connection,
    plan: SearchPlan,
    per_config: list[list[int]],
    filters: SearchFilters,
    reader: Reader,
    now: datetime,
    limit: int,
    cursor: str | None,
    any_word: bool,
    order: Order,
    body_walk: tuple[bool, bool],
) -> tuple[list[Hit], str | None]:
    """A page of the candidates with the words in their title or summary; with `body`, also
    those with the words anywhere; `walk`: among the newest WALK first."""
    body, walk = body_walk
    ids = await _candidates(
        conn, plan, per_config, filters, reader, now, any_word, body=body, walk=walk
    )
    if not ids:
        return [], None
    p = Params()
    q = _tsquery(plan, p, any_word=any_word)
    where = [f"a.id = ANY({p(sorted(ids), 'bigint[]')})"]
    if plan.wanted.exact and not any_word:
        where.append("a.search_vector @@ s.q")
    every = sorted({h for hashes in per_config for h in hashes})
    rows, next_cursor = await fetch_page(
        conn,
        columns=f"a.id, a.category, {RANK} AS rank",
        source=f"kb_articles a CROSS JOIN (SELECT {q} AS q, {_int_array(every)} AS h) s",
        where=where,
        params=p,
        order=order,
        cursor=cursor,
        limit=limit,
    )
    return [Hit(r["id"], r["rank"], r["category"]) for r in rows], next_cursor


async def _candidates(
    conn: asyncpg.Connection,
    plan: SearchPlan,
    per_config: list[list[int]],
    filters: SearchFilters,
    reader: Reader,
    now: datetime,
    any_word: bool,
    *,
    body: bool,
    walk: bool,
) -> set[int]:
    """The ids of the newest CANDIDATES articles with the words in their title or summary
    (and, with `body`, of those with them anywhere): among the newest WALK first, through the
    GIN index for a kind the walk found too few of (see WALK)."""
    operator = "&&" if any_word or plan.wanted.any_of else "@>"
    holds = " OR ".join(f"c.word_hashes {operator} {_int_array(h)}" for h in per_config)
    kinds = [0, 1] if body else [0]

    def statement(kinds: list[int], *, walk: bool) -> tuple[str, list[object]]:
        p = Params()
        matches = [f"c.head_vector @@ ({_tsquery(plan, p, any_word=any_word)})", holds]
        shown = " AND ".join(_search_where(plan, filters, reader, p, now, "c"))
        if walk:
            sql = " UNION ALL ".join(
                f"(SELECT c.id, {kind} AS kind FROM (SELECT c.id, c.head_vector,"
                f" c.word_hashes FROM kb_articles c WHERE {shown}"
                f" ORDER BY c.id DESC LIMIT {WALK}) c"
                f" WHERE {matches[kind]} ORDER BY c.id DESC LIMIT {CANDIDATES})"
                for kind in kinds
            )
        else:
            sql = " UNION ".join(
                f"(SELECT c.id FROM kb_articles c WHERE ({matches[kind]}) AND {shown}"
                f" ORDER BY c.id DESC LIMIT {CANDIDATES})"
                for kind in kinds
            )
        return sql, p.values

    ids: set[int] = set()
    few = kinds
    if walk:
        sql, values = statement(kinds, walk=True)
        found = await conn.fetch(sql, *values)
        ids.update(r["id"] for r in found)
        few = [k for k in kinds if sum(r["kind"] == k for r in found) < CANDIDATES]
    if few:
        sql, values = statement(few, walk=False)
        ids.update(r["id"] for r in await conn.fetch(sql, *values))
    return ids


# The words of `$1` whose lexemes (in configuration `$2`) the fewest articles hold, at most `$3`
# (see _COMMON). Stop words (no lexeme) are left out; ties keep the text's order.
_DISTINCTIVE = f"""
    WITH common AS MATERIALIZED ({_COMMON}),
    words AS MATERIALIZED (
        SELECT w.word, w.n, kb_word_hashes(to_tsvector($2::regconfig, w.word)) AS hashes
        FROM unnest($1::text[]) WITH ORDINALITY AS w(word, n)
    )
    SELECT w.word FROM words w
    WHERE cardinality(w.hashes) > 0
    ORDER BY (SELECT coalesce(max({_share("h")}), 0) FROM unnest(w.hashes) AS h, common k), w.n
    LIMIT $3
"""


async def distinctive_words(
    conn: asyncpg.Connection, words: Sequence[str], config: str, count: int
) -> list[str]:
    """The `count` words of `words` the fewest articles hold, in the text's order."""
    if not words:
        return []
    chosen = {r["word"] for r in await conn.fetch(_DISTINCTIVE, list(words), config, count)}
    return [w for w in words if w in chosen]


# How alike a query's word and a known word must be (pg_trgm similarity) for the one to be
# read as a typo of the other.
CORRECTION = 0.4
# Each word of the query as it is when the articles of the language hold it, else the known
# word most like it (the trigram index of kb_words offers those above the threshold), else as
# it is. The language's words only when one is asked.
_CORRECT = """
    SELECT coalesce(
        (SELECT k.word FROM kb_words k
         WHERE k.word = q.word AND ($2::text IS NULL OR k.language = $2) LIMIT 1),
        (SELECT k.word FROM kb_words k
         WHERE k.word % q.word AND ($2::text IS NULL OR k.language = $2)
         ORDER BY similarity(k.word, q.word) DESC, k.word LIMIT 1),
        q.word) AS word
    FROM unnest($1::text[]) WITH ORDINALITY AS q(word, n)
    ORDER BY q.n
"""


async def corrected_words(
    conn: asyncpg.Connection, words: Sequence[str], language: str | None
) -> list[str]:
    """`words` (lower case), each replaced by the nearest word the articles (of `language`)
    are written in when they hold no such word."""
    if not words:
        return []
    # The operator's threshold is a setting: for this transaction only.
    await conn.execute(
        "SELECT set_config('pg_trgm.similarity_threshold', $1, true)", str(CORRECTION)
    )
    return [r["word"] for r in await conn.fetch(_CORRECT, list(words), language)]


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
class HitArticle:
    """What a hit shows of its article: not its body nor its HTML, read only to cut the
    snippet (the whole row of each hit was most of what a search read and decoded)."""

    id: int
    group_id: int
    language: str
    title: str
    summary: str | None
    category: str | None
    visibility: str


HIT_COLUMNS = tuple(f.name for f in fields(HitArticle))


@dataclass(frozen=True, slots=True)
class HitDetail:
    """What a page of hits shows of each: the article, the fields that matched, a snippet with
    the matched words between MARK_START and MARK_STOP."""

    article: HitArticle
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
    """The page's hits in the order of `ids`: snippets are cut only for these, each from a
    window of its body (app.domain.kb.snippet_window). The title and summary matched: a rank
    of the in-row head vector counting one weight; the body: a word marked in its window."""
    if not ids:
        return []
    p = Params(list(ids))
    cols = ", ".join(f"a.{c}" for c in HIT_COLUMNS)
    if similar:
        w = p(plan.words, "text")
        threshold = p(SIMILARITY, "float8")
        sql = f"""
            SELECT {cols},
                word_similarity(lower({w}), lower(a.title)) >= {threshold} AS in_title,
                word_similarity(lower({w}), lower(coalesce(a.summary, ''))) >= {threshold}
                    AS in_summary,
                left(coalesce(a.summary, a.body), 240) AS snippet
            FROM kb_articles a WHERE a.id = ANY($1::bigint[])
        """
        rows = await conn.fetch(sql, *p.values)
        by_id = {r["id"]: _detail(r, r["snippet"], in_body=False) for r in rows}
        return [by_id[i] for i in ids if i in by_id]
    q = _tsquery(plan, p, any_word=any_word)
    configs = p(list(plan.configs), "text[]")
    wanted = p(plan.wanted.words, "text")
    sql = f"""
        SELECT {cols}, a.search_config, coalesce(a.search_body, a.body) AS words,
            ts_rank('{{0,0,0,1}}'::float4[], a.head_vector, s.q) > 0 AS in_title,
            ts_rank('{{0,0,1,0}}'::float4[], a.head_vector, s.q) > 0 AS in_summary,
            s.lexemes
        FROM kb_articles a CROSS JOIN (
            SELECT {q} AS q, ARRAY(
                SELECT DISTINCT unnest(tsvector_to_array(to_tsvector(c::regconfig, {wanted})))
                FROM unnest({configs}) AS c) AS lexemes
        ) s
        WHERE a.id = ANY($1::bigint[])
    """
    rows = await conn.fetch(sql, *p.values)
    if not rows:
        return []
    words = [*rows[0]["lexemes"], *plan.wanted.words.split()]
    windows = [snippet_window(r["words"], words)[0] for r in rows]
    h = Params([r["search_config"] for r in rows], windows)
    cut = await conn.fetch(
        f"""
        SELECT ts_headline(w.config::regconfig, w.text, s.q, {h(_HEADLINE_OPTIONS, "text")})
            AS snippet
        FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS w(config, text, n)
            CROSS JOIN (SELECT {_tsquery(plan, h, any_word=any_word)} AS q) s
        ORDER BY w.n
        """,
        *h.values,
    )
    by_id = {}
    for r, c in zip(rows, cut, strict=True):
        by_id[r["id"]] = _detail(r, c["snippet"], in_body=MARK_START in c["snippet"])
    return [by_id[i] for i in ids if i in by_id]


def _detail(r: asyncpg.Record, snippet: str, *, in_body: bool) -> HitDetail:
    article = HitArticle(**{c: r[c] for c in HIT_COLUMNS})
    return HitDetail(article, r["in_title"], r["in_summary"], in_body, snippet)
