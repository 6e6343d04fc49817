"""How the knowledge base is used: the searches recorded (and the result opened or used), the
articles linked to the tickets they solved, and the KPIs over them."""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

import asyncpg

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
    """The search recorded, in the transaction that ran it (which writes nothing else): its
    commit does not wait for the log to reach the disk. A crash may lose the last searches
    recorded, never anything else, and no search waits on a disk write."""
    await conn.execute("SET LOCAL synchronous_commit = off")
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
