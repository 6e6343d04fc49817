"""Survey answers: recording one (once per ticket and kind), reading it back, pages of them."""

from dataclasses import dataclass, fields
from datetime import datetime

import asyncpg

from app.domain.access import Visibility
from app.store.paging import KeyColumn, Order, Params, fetch_page, rows_of
from app.store.visibility import visible_sql


@dataclass(frozen=True, slots=True)
class NewSurvey:
    ticket_id: int
    kind: str
    score: int
    comment: str | None
    customer_id: int | None
    responded_at: datetime
    created_by_key_id: int | None


@dataclass(frozen=True, slots=True)
class SurveyRow(NewSurvey):
    id: int


_NEW = tuple(f.name for f in fields(NewSurvey))
COLUMNS = (*_NEW, "id")
# ON CONFLICT waits for a concurrent answer of the same kind to commit, then inserts nothing:
# the caller reads that one back and compares.
_INSERT = f"""
    INSERT INTO survey_responses ({", ".join(_NEW)})
    VALUES ({", ".join(f"${i}" for i in range(1, len(_NEW) + 1))})
    ON CONFLICT ON CONSTRAINT survey_responses_once_key DO NOTHING
    RETURNING {", ".join(COLUMNS)}
"""
_OF_TICKET = f"SELECT {', '.join(COLUMNS)} FROM survey_responses WHERE ticket_id = $1 AND kind = $2"


async def insert(conn: asyncpg.Connection, survey: NewSurvey) -> SurveyRow | None:
    """The new answer, or None when the ticket already has one of this kind."""
    found = await conn.fetchrow(_INSERT, *(getattr(survey, name) for name in _NEW))
    return None if found is None else SurveyRow(**found)


async def of_ticket(conn: asyncpg.Connection, ticket_id: int, kind: str) -> SurveyRow | None:
    found = await conn.fetchrow(_OF_TICKET, ticket_id, kind)
    return None if found is None else SurveyRow(**found)


_ABOUT_CUSTOMER = f"""
    SELECT {", ".join(f.name for f in fields(SurveyRow))} FROM survey_responses
    WHERE customer_id = $1 OR ticket_id = ANY($2::bigint[]) ORDER BY id
"""


async def about_customer(
    conn: asyncpg.Connection, customer_id: int, ticket_ids: list[int]
) -> list[SurveyRow]:
    """The customer's answers, and those about their tickets (for their export)."""
    return [SurveyRow(**r) for r in await conn.fetch(_ABOUT_CUSTOMER, customer_id, ticket_ids)]


@dataclass(frozen=True)
class SurveyFilters:
    ticket_id: int | None = None
    customer_id: int | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None


ORDER = Order("surveys", (KeyColumn("id", int),), descending=True)


async def page(
    conn: asyncpg.Connection,
    filters: SurveyFilters,
    visible: Visibility,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[SurveyRow], str | None]:
    """Newest first; the answers about tickets the caller sees."""
    p = Params()
    where = [
        f"{column} = {p(value, cast)}"
        for column, value, cast in (
            ("ticket_id", filters.ticket_id, "bigint"),
            ("customer_id", filters.customer_id, "bigint"),
            ("kind", filters.kind, "text"),
        )
        if value is not None
    ]
    if filters.since is not None:
        where.append(f"responded_at >= {p(filters.since, 'timestamptz')}")
    if filters.until is not None:
        where.append(f"responded_at < {p(filters.until, 'timestamptz')}")
    limit_to = visible_sql(visible, p)
    if limit_to:
        where.append(f"ticket_id IN (SELECT id FROM tickets WHERE {limit_to})")
    rows, next_cursor = await fetch_page(
        conn,
        columns=", ".join(COLUMNS),
        source="survey_responses",
        where=where,
        params=p,
        order=ORDER,
        cursor=cursor,
        limit=limit,
    )
    return rows_of(SurveyRow, rows), next_cursor
