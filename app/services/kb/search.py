"""Searching the knowledge base: full text in the query's language, trigram similarity when
that finds nothing (typos) or the query is too short, every first page recorded."""

from collections.abc import Callable
from datetime import datetime

from app.db import Connection, transaction
from app.domain import kb
from app.domain.access import Principal
from app.schemas.kb import HitOut, OpenedIn, SearchQuery, SearchResultOut
from app.services.context import Desk
from app.services.kb.articles import opened
from app.services.kb.shapes import facts, hit_out, no_article
from app.store.kb import articles as article_store
from app.store.kb import search as search_store
from app.store.kb import usage as usage_store
from app.store.kb.search import Hit, SearchFilters
from app.store.kb.usage import NewSearch


async def find(
    conn: Connection,
    plan: kb.SearchPlan,
    filters: SearchFilters,
    reader: kb.Reader,
    now: datetime,
    *,
    limit: int,
    cursor: str | None,
    any_word: bool = False,
    pick: Callable[[list[Hit]], list[Hit]] | None = None,
) -> tuple[list[HitOut], str | None]:
    """A page of hits, with snippets and the fields matched. Full text first; when it finds
    nothing, the query's words corrected to the nearest words the articles are written in
    (typos anywhere in an article) and full text again; then trigram similarity to the titles,
    which is also all a query too short for full text gets. `pick` chooses and orders the hits
    shown (snippets are cut for those alone)."""
    listing = search_store.listing_of(cursor)
    similar = not plan.full_text or listing == search_store.TRIGRAM.listing
    corrected = listing == search_store.CORRECTED.listing
    hits: list[Hit] = []
    next_cursor = None
    if not similar and not corrected:
        hits, next_cursor = await search_store.search_full_text(
            conn, plan, filters, reader, now, limit=limit, cursor=cursor, any_word=any_word
        )
        corrected = not hits and cursor is None
    if corrected:
        words = await search_store.corrected_words(
            conn, kb.words_to_correct(plan), plan.base_language
        )
        better = kb.corrected_plan(plan, words)
        if better is not None:
            hits, next_cursor = await search_store.search_full_text(
                conn,
                better,
                filters,
                reader,
                now,
                limit=limit,
                cursor=cursor,
                any_word=any_word,
                order=search_store.CORRECTED,
            )
        similar = not hits and listing is None
        corrected = bool(hits)
        if corrected and better is not None:
            plan = better  # the snippets mark the words found
    if similar:
        hits, next_cursor = await search_store.search_similar(
            conn, plan, filters, reader, now, limit=limit, cursor=cursor
        )
    if pick is not None:
        hits = pick(hits)
    details = await search_store.hit_details(
        conn, plan, [h.id for h in hits], similar=similar, any_word=any_word
    )
    ranks = {h.id: h.rank for h in hits}
    return [
        hit_out(d, ranks[d.article.id], similar=similar or corrected) for d in details
    ], next_cursor


async def search(
    desk: Desk, query: SearchQuery, *, actor: Principal, now: datetime
) -> SearchResultOut:
    """Published articles the caller sees matching `q`, best first. The first page is recorded
    (query, language, audience, result count) and its id returned, so the hit opened is too."""
    reader = kb.reader_of(actor)
    plan = kb.plan_search(query.q, query.language)
    filters = SearchFilters(category=query.category, visibility=query.visibility)
    async with transaction(desk.db) as conn:
        items, next_cursor = await find(
            conn, plan, filters, reader, now, limit=query.limit, cursor=query.cursor
        )
        search_id = None
        if query.cursor is None:
            search_id = await usage_store.record_search(
                conn,
                NewSearch(
                    kind="search",
                    query=query.q,
                    language=query.language,
                    audience=reader.audience,
                    result_count=len(items),
                    result_ids=[i.article_id for i in items],
                    key_id=actor.key_id or None,
                    customer_id=reader.customer_id,
                    ticket_id=None,
                    searched_at=now,
                ),
            )
    return SearchResultOut(search_id=search_id, items=items, next_cursor=next_cursor)


async def record_opened(
    desk: Desk, search_id: int, data: OpenedIn, *, actor: Principal, now: datetime
) -> None:
    """The reader opened `data.article_id` from their search `search_id`."""
    reader = kb.reader_of(actor)
    async with transaction(desk.db) as conn:
        article = await article_store.get_article(conn, data.article_id)
        if article is None or not kb.sees(reader, facts(article), now):
            raise no_article(data.article_id)
        await opened(conn, search_id, data.article_id, reader, now)
