"""The knowledge base at a ticket: the articles suggested for it and those linked as solving it."""

from datetime import datetime

from app.db import Connection, connection, transaction
from app.domain import kb
from app.domain.access import Principal, Visibility
from app.schemas.kb import (
    LinkCreate,
    LinkOut,
    SuggestionsOut,
)
from app.services.context import Desk
from app.services.idempotency import Written
from app.services.kb.search import find
from app.services.kb.shapes import facts, no_article
from app.services.tickets.shapes import no_ticket
from app.store import tickets
from app.store.kb import articles as article_store
from app.store.kb import search as search_store
from app.store.kb import usage as usage_store
from app.store.kb.search import SearchFilters
from app.store.kb.usage import LinkRow, NewLink, NewSearch

# A ticket's suggestions: the best few, picked from a few more by the ticket's category too.
SUGGESTIONS = 5
CANDIDATES = 20


async def suggestions(
    desk: Desk, ticket_id: int, *, visible: Visibility, actor: Principal, now: datetime
) -> SuggestionsOut:
    """The articles most likely to answer the ticket: its subject and the opening of its
    description, any of their words, in its language; those of its category first. Recorded
    as a suggestion, marked used when an agent links one of them."""
    reader = kb.reader_of(actor)
    async with transaction(desk.db) as conn:
        ticket = await tickets.get(conn, ticket_id, visible)
        if ticket is None:
            raise no_ticket(ticket_id)
        text = kb.ticket_text(ticket.subject, ticket.description)
        words = await search_store.distinctive_words(
            conn,
            kb.distinct_words(ticket.language, text),
            kb.config_for(ticket.language or ""),
            kb.SUGGESTION_WORDS,
        )
        plan = kb.plan_search(" ".join(words), ticket.language)
        items, _ = await find(
            conn,
            plan,
            SearchFilters(),
            reader,
            now,
            limit=CANDIDATES,
            cursor=None,
            any_word=True,
            pick=lambda hits: sorted(
                hits, key=lambda h: -kb.suggestion_score(h.rank, h.category, ticket.category)
            )[:SUGGESTIONS],
        )
        search_id = await usage_store.record_search(
            conn,
            NewSearch(
                kind="suggestion",
                query=text,
                language=ticket.language,
                audience=reader.audience,
                result_count=len(items),
                result_ids=[i.article_id for i in items],
                key_id=actor.key_id or None,
                customer_id=None,
                ticket_id=ticket.id,
                searched_at=now,
            ),
        )
    return SuggestionsOut(
        search_id=search_id, ticket_id=ticket_id, language=ticket.language, items=items
    )


def _link_out(row: LinkRow, used: int) -> LinkOut:
    return LinkOut(
        id=row.id,
        ticket_id=row.ticket_id,
        article_id=row.article_id,
        origin=row.origin,  # type: ignore[arg-type]
        linked_by_key_id=row.linked_by_key_id,
        linked_at=row.linked_at,
        suggestions_used=used,
    )


async def link(
    desk: Desk,
    ticket_id: int,
    data: LinkCreate,
    *,
    visible: Visibility,
    actor: Principal,
    now: datetime,
) -> Written[LinkOut]:
    """The article solved the ticket: linked once (again: the existing link, 200), and the
    ticket's suggestions that offered it marked used."""
    reader = kb.reader_of(actor)
    async with transaction(desk.db) as conn:
        ticket = await tickets.get(conn, ticket_id, visible)
        if ticket is None:
            raise no_ticket(ticket_id)
        article = await article_store.get_article(conn, data.article_id)
        if article is None or not kb.sees(reader, facts(article), now):
            raise no_article(data.article_id)
        row, created = await usage_store.insert_link(
            conn,
            NewLink(
                ticket_id=ticket.id,
                article_id=article.id,
                origin="agent",
                linked_by_key_id=actor.key_id or None,
                linked_at=now,
            ),
        )
        used = await usage_store.mark_suggestions_used(conn, ticket.id, article.id)
    return Written(_link_out(row, used), created=created)


async def link_named(
    conn: Connection, ticket_id: int, text: str, *, actor: Principal, now: datetime
) -> int:
    """Link to the ticket the published articles a public reply names (their address or
    `KB-<id>`), in the reply's transaction; each marks the suggestions that offered it used.
    The number of links made."""
    named = kb.article_references(text)
    if not named:
        return 0
    made = 0
    for article_id in await usage_store.live_of(conn, named, now):
        _, created = await usage_store.insert_link(
            conn,
            NewLink(
                ticket_id=ticket_id,
                article_id=article_id,
                origin="interaction",
                linked_by_key_id=actor.key_id or None,
                linked_at=now,
            ),
        )
        if created:
            made += 1
            await usage_store.mark_suggestions_used(conn, ticket_id, article_id)
    return made


async def links(desk: Desk, ticket_id: int, *, visible: Visibility) -> list[LinkOut]:
    async with connection(desk.db) as conn:
        ticket = await tickets.get(conn, ticket_id, visible)
        if ticket is None:
            raise no_ticket(ticket_id)
        rows = await usage_store.links_of_ticket(conn, ticket.id)
    return [_link_out(r, 0) for r in rows]
