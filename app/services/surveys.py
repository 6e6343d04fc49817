"""Surveys: a customer's CSAT or NPS answer about a ticket, recorded once; the list of them."""

from datetime import datetime

from app.db import connection, transaction
from app.domain.access import Principal, Visibility
from app.domain.events import SURVEY_RECEIVED, ticket_facts
from app.errors import Conflict
from app.schemas import Page
from app.schemas.surveys import CsatAnswer, NpsAnswer, SurveyListQuery, SurveyOut
from app.services import audit
from app.services.context import Desk
from app.services.idempotency import Written
from app.services.tickets import change
from app.services.tickets.shapes import no_ticket
from app.store import surveys as store
from app.store import tickets
from app.store.surveys import NewSurvey, SurveyFilters, SurveyRow


def out(row: SurveyRow) -> SurveyOut:
    return SurveyOut(
        id=row.id,
        ticket_id=row.ticket_id,
        kind=row.kind,  # type: ignore[arg-type]
        score=row.score,
        comment=row.comment,
        customer_id=row.customer_id,
        responded_at=row.responded_at,
    )


async def answer(
    desk: Desk,
    ticket_id: int,
    data: CsatAnswer | NpsAnswer,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
) -> Written[SurveyOut]:
    """Record the answer: one of each kind per ticket. The same answer again is a retry and
    returns the first (created=False); a different one is a 409 (an answer is not edited)."""
    async with transaction(desk.db) as conn:
        ticket = await tickets.get(conn, ticket_id, visible)
        if ticket is None:
            raise no_ticket(ticket_id)
        row = await store.insert(
            conn,
            NewSurvey(
                ticket_id=ticket.id,
                kind=data.kind,
                score=data.score,
                comment=data.comment,
                customer_id=ticket.customer_id,
                responded_at=now,
                created_by_key_id=actor.key_id or None,
            ),
        )
        if row is not None:
            # The event carries the score, never the comment (free text).
            answered = {**ticket_facts(ticket), "survey_id": row.id, "kind": row.kind}
            await change.record(
                conn, [], [(SURVEY_RECEIVED, ticket.id, answered | {"score": row.score})], at=now
            )
            return Written(out(row))
        first = await store.of_ticket(conn, ticket.id, data.kind)
    assert first is not None  # the conflicting answer is committed: nothing deletes answers
    if (first.score, first.comment) != (data.score, data.comment):
        raise Conflict(
            f"ticket {ticket_id} already has a {data.kind} answer (score {first.score}, "
            f"answered {first.responded_at.isoformat()}); an answer is given once"
        )
    return Written(out(first), created=False)


async def list_surveys(
    desk: Desk, query: SurveyListQuery, *, visible: Visibility
) -> Page[SurveyOut]:
    filters = SurveyFilters(
        ticket_id=query.ticket_id,
        customer_id=query.customer_id,
        kind=query.kind,
        since=query.since,
        until=query.until,
    )
    async with connection(desk.db) as conn:
        rows, next_cursor = await store.page(
            conn, filters, visible, limit=query.limit, cursor=query.cursor
        )
        await audit.listed(desk, conn, "survey_responses", ticket_id=query.ticket_id)
    return Page[SurveyOut](items=[out(r) for r in rows], next_cursor=next_cursor)
