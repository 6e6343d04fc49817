"""The knowledge base's KPIs per language, for their own endpoint and the metrics summary."""

from datetime import datetime, timedelta

from app.db import Connection, connection
from app.schemas.kb import (
    KbMetricsOut,
    KbMetricsQuery,
    KbSummaryOut,
    LanguageKpisOut,
    MostUsedOut,
    ZeroResultQueryOut,
)
from app.services.context import Desk
from app.store.kb import usage as usage_store

# The KPIs' default period, and how many of the zero-result queries and most used articles.
PERIOD = timedelta(days=30)
TOP = 20


async def languages(
    conn: Connection, since: datetime, until: datetime, now: datetime
) -> list[LanguageKpisOut]:
    """Per language: tickets solved by an article, searches and those finding nothing, portal
    searches followed by no ticket within a day (deflection), outdated translations, articles
    past review_by."""
    return [
        LanguageKpisOut(
            language=r.language,
            tickets_solved=r.tickets_solved,
            links=r.links,
            searches=r.searches,
            zero_result_searches=r.zero_result_searches,
            portal_searches=r.portal_searches,
            deflected_searches=r.deflected_searches,
            deflection_rate=(
                round(r.deflected_searches / r.portal_searches, 4) if r.portal_searches else None
            ),
            outdated_translations=r.outdated_translations,
            past_review=r.past_review,
        )
        for r in await usage_store.kpis(conn, since, until, now)
    ]


async def most_used(conn: Connection, since: datetime, until: datetime) -> list[MostUsedOut]:
    return [
        MostUsedOut(article_id=i, language=lang, title=t, links=n)
        for i, lang, t, n in await usage_store.most_used(conn, since, until, TOP)
    ]


async def summary(
    conn: Connection, since: datetime, until: datetime, now: datetime
) -> KbSummaryOut:
    """The metrics summary's part, on the summary's connection: the per-language figures and
    the most used articles (the queries that found nothing, text customers typed, stay in
    /v1/metrics/kb)."""
    return KbSummaryOut(
        languages=await languages(conn, since, until, now),
        most_used=await most_used(conn, since, until),
    )


async def metrics(desk: Desk, query: KbMetricsQuery, *, now: datetime) -> KbMetricsOut:
    """The figures per language, the queries that found nothing and the most used articles."""
    until = query.until or now
    since = query.since or until - PERIOD
    async with connection(desk.db) as conn:
        figures = await languages(conn, since, until, now)
        zero = await usage_store.zero_result_queries(conn, since, until, TOP)
        used = await most_used(conn, since, until)
    return KbMetricsOut(
        since=since,
        until=until,
        languages=figures,
        zero_result_queries=[
            ZeroResultQueryOut(language=lang, query=q, searches=n) for lang, q, n in zero
        ],
        most_used=used,
    )
