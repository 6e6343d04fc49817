"""Reviews: the pre-checks a review starts from, scoring a ticket (or one interaction), who reads
which reviews, and the reviewed agent's dispute with a supervisor's decision on it."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from app.db import Connection, connection, transaction
from app.domain import qa as rules
from app.domain import qa_prechecks as prechecks
from app.domain.access import Principal, Visibility
from app.domain.events import QA_REVIEW_CREATED, QA_REVIEW_DISPUTED
from app.errors import Conflict, Forbidden, NotFound, UnprocessableEntity
from app.schemas import Page
from app.schemas.qa import (
    DisputeCreate,
    DisputeDecision,
    DisputeOut,
    PrechecksOut,
    ReviewCreate,
    ReviewListQuery,
    ReviewOut,
    SectionScoreOut,
    SuggestionOut,
)
from app.services import idempotency
from app.services.context import Desk
from app.services.idempotency import Written
from app.services.qa.scorecards import card_of, current
from app.services.tickets import change
from app.services.tickets.shapes import no_ticket
from app.store import tickets
from app.store.qa import calibrations as session_store
from app.store.qa import disputes as dispute_store
from app.store.qa import reviews as store
from app.store.qa import scorecards as scorecard_store
from app.store.qa import ticket_facts
from app.store.qa.disputes import DisputeRow
from app.store.qa.reviews import NewReview, ReviewFilters, ReviewRow
from app.store.qa.scorecards import VersionRow
from app.store.qa.visibility import ReviewVisibility, sees_review

NOBODY = ReviewVisibility()


def review_visibility(caller: Principal) -> ReviewVisibility:
    """Whose reviews `caller` reads: an admin all; a supervisor their teams' and their own; an
    agent their own; any other key none (reviews are about people's work)."""
    if caller.role == "admin":
        return ReviewVisibility(everything=True)
    if caller.role == "supervisor":
        return ReviewVisibility(agent_id=caller.agent_id, team_ids=caller.team_ids)
    if caller.role == "agent" and caller.agent_id is not None:
        return ReviewVisibility(agent_id=caller.agent_id)
    return NOBODY


def _invalid(exc: rules.ScorecardError) -> UnprocessableEntity:
    return UnprocessableEntity(exc.message, errors=[{"field": exc.field, "message": exc.message}])


# ---- shapes --------------------------------------------------------------------------------


def _dispute_out(d: DisputeRow | None) -> DisputeOut | None:
    if d is None:
        return None
    return DisputeOut(
        reason=d.reason,
        raised_at=d.raised_at,
        decision=d.decision,  # type: ignore[arg-type]
        decision_comment=d.decision_comment,
        decided_at=d.decided_at,
        previous_answers=d.previous_answers,
        previous_score=d.previous_score,
    )


def out(row: ReviewRow, version: VersionRow, dispute: DisputeRow | None) -> ReviewOut:
    result = rules.score(card_of(version.sections), row.answers)
    return ReviewOut(
        id=row.id,
        ticket_id=row.ticket_id,
        interaction_id=row.interaction_id,
        scorecard_id=version.scorecard_id,
        scorecard_version=version.number,
        calibration_id=row.calibration_id,
        agent_id=row.agent_id,
        team_id=row.team_id,
        reviewer_name=row.reviewer_name,
        answers=row.answers,
        root_causes=row.root_causes,
        comment=row.comment,
        suggestions=[SuggestionOut(**s) for s in row.suggestions],
        score=row.score,
        sections=[
            SectionScoreOut(key=s.key, score=s.score, zeroed=s.zeroed) for s in result.sections
        ],
        failed=row.failed,
        critical_failed=row.critical_failed,
        status=row.status,  # type: ignore[arg-type]
        dispute=_dispute_out(dispute),
        reviewed_at=row.reviewed_at,
        updated_at=row.updated_at,
    )


async def outs(conn: Connection, rows: Sequence[ReviewRow]) -> list[ReviewOut]:
    """Reviews in their API shape, their versions and disputes read in two statements."""
    versions = await scorecard_store.versions_by_id(
        conn, sorted({r.scorecard_version_id for r in rows})
    )
    disputes = await dispute_store.disputes_of(conn, [r.id for r in rows])
    return [out(r, versions[r.scorecard_version_id], disputes.get(r.id)) for r in rows]


# ---- pre-checks ----------------------------------------------------------------------------


async def _facts(
    conn: Connection, ticket_id: int, interaction_id: int | None
) -> tuple[prechecks.TicketFacts, ticket_facts.ReviewedTicket]:
    ticket = await ticket_facts.reviewed_ticket(conn, ticket_id)
    assert ticket is not None  # the caller has read it
    replies = await ticket_facts.public_replies(conn, ticket_id)
    # One interaction under review: its text is what the text checks read.
    texts = [r for r in replies if interaction_id is None or r.id == interaction_id]
    facts = prechecks.TicketFacts(
        created_at=ticket.created_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        first_responded_at=ticket.first_responded_at,
        first_response_due_at=ticket.first_response_due_at,
        tags=tuple(ticket.tags),
        category=ticket.category,
        language=ticket.language,
        customer_name=ticket.customer_name,
        agent_reply_count=ticket.agent_reply_count,
        reopen_count=ticket.reopen_count,
        escalations=ticket.escalations,
        transfers=ticket.transfers,
        replies=tuple(prechecks.Reply(r.id, r.occurred_at, r.body) for r in texts),
        linked_articles=tuple(ticket.linked_articles),
    )
    return facts, ticket


def suggest(
    card: rules.Scorecard,
    found: Sequence[prechecks.Suggestion],
    answers: Mapping[str, int | None] | None,
) -> tuple[dict[str, int | None], list[dict[str, Any]]]:
    """The answers with each pre-check's suggestion filled in where the reviewer gave none,
    and the suggestions as stored: what each suggested and whether the reviewer accepted it
    (answers None: no review yet, nothing accepted)."""
    merged: dict[str, int | None] = dict(answers or {})
    criteria_of: dict[str, rules.Criterion] = {}
    for _, c in card.criteria().values():
        if c.precheck is not None:
            criteria_of.setdefault(c.precheck, c)
    stored: list[dict[str, Any]] = []
    for s in found:
        c = criteria_of.get(s.check)
        suggested = None if c is None or s.passed is None else (c.points - 1 if s.passed else 0)
        outcome: str | None = None
        if answers is not None:
            outcome = "none"
            if c is not None and suggested is not None:
                if c.key not in merged:
                    merged[c.key] = suggested
                outcome = "accepted" if merged[c.key] == suggested else "overruled"
        stored.append(
            {
                "check": s.check,
                "criterion": None if c is None else c.key,
                "passed": s.passed,
                "evidence": s.evidence,
                "interaction_id": s.interaction_id,
                "suggested_answer": suggested,
                "outcome": outcome,
            }
        )
    return merged, stored


async def preview(
    desk: Desk, ticket_id: int, scorecard_id: int | None, *, visible: Visibility, now: datetime
) -> PrechecksOut:
    """What the pre-checks suggest for a review of the ticket, before it is written."""
    async with transaction(desk.db) as conn:
        if await tickets.get(conn, ticket_id, visible) is None:
            raise no_ticket(ticket_id)
        _, version = await current(conn, scorecard_id, now)
        facts, _ = await _facts(conn, ticket_id, None)
    _, stored = suggest(card_of(version.sections), prechecks.run(facts, now), None)
    return PrechecksOut(
        ticket_id=ticket_id,
        scorecard_id=version.scorecard_id,
        scorecard_version=version.number,
        suggestions=[SuggestionOut(**s) for s in stored],
    )


# ---- reviewing -----------------------------------------------------------------------------


def _root_causes(card: rules.Scorecard, chosen: Mapping[str, list[str]]) -> dict[str, list[str]]:
    criteria = card.criteria()
    for key, causes in chosen.items():
        if key not in criteria:
            raise UnprocessableEntity(
                f"no such criterion {key!r} on this scorecard",
                errors=[{"field": f"root_causes.{key}", "message": "no such criterion"}],
            )
        allowed = criteria[key][1].root_causes
        unknown = [c for c in causes if c not in allowed]
        if unknown:
            raise UnprocessableEntity(
                f"{unknown[0]!r} is not a root cause of {key!r} (allowed: {list(allowed)})",
                errors=[{"field": f"root_causes.{key}", "message": "not a listed root cause"}],
            )
    return {k: list(dict.fromkeys(v)) for k, v in chosen.items() if v}


async def _version_for(
    conn: Connection, data: ReviewCreate, ticket_id: int, now: datetime
) -> VersionRow:
    if data.calibration_id is None:
        return (await current(conn, data.scorecard_id, now))[1]
    session = await session_store.get_calibration(conn, data.calibration_id)
    if session is None:
        raise UnprocessableEntity(
            f"calibration session {data.calibration_id} does not exist",
            errors=[{"field": "calibration_id", "message": "unknown id"}],
        )
    if session.status != "open":
        raise Conflict(f"calibration session {session.id} is closed")
    if ticket_id not in session.ticket_ids:
        raise Conflict(f"ticket {ticket_id} is not one of calibration session {session.id}'s")
    version = await scorecard_store.get_version(conn, session.scorecard_version_id)
    assert version is not None
    if data.scorecard_id is not None and data.scorecard_id != version.scorecard_id:
        raise Conflict(
            f"calibration session {session.id} scores on scorecard {version.scorecard_id}"
        )
    return version


async def create(
    desk: Desk,
    ticket_id: int,
    data: ReviewCreate,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
    idempotency_key: str | None,
) -> Written[ReviewOut]:
    """Score the ticket (or one interaction of it): the pre-checks fill the answers the reviewer
    left out, the domain computes the score; the version is marked used."""

    async def work(conn: Connection) -> Written[ReviewOut]:
        if await tickets.get(conn, ticket_id, visible) is None:
            raise no_ticket(ticket_id)
        version = await _version_for(conn, data, ticket_id, now)
        facts, ticket = await _facts(conn, ticket_id, data.interaction_id)
        agent_id, team_id = ticket.assignee_id, ticket.assignee_team_id or ticket.team_id
        if data.interaction_id is not None:
            author = await ticket_facts.interaction_of(conn, ticket_id, data.interaction_id)
            if author is None:
                raise UnprocessableEntity(
                    f"interaction {data.interaction_id} of ticket {ticket_id} does not exist",
                    errors=[{"field": "interaction_id", "message": "unknown id"}],
                )
            agent_id = author.author_agent_id
            team_id = author.author_team_id or ticket.team_id
        card = card_of(version.sections)
        answers, suggestions = suggest(card, prechecks.run(facts, now), data.answers)
        causes = _root_causes(card, data.root_causes)
        try:
            result = rules.score(card, answers)
        except rules.ScorecardError as exc:
            raise _invalid(exc) from None
        row = await store.insert_review(
            conn,
            NewReview(
                ticket_id=ticket_id,
                interaction_id=data.interaction_id,
                scorecard_version_id=version.id,
                calibration_id=data.calibration_id,
                agent_id=agent_id,
                team_id=team_id,
                reviewer_key_id=actor.key_id or None,
                reviewer_agent_id=actor.agent_id,
                reviewer_name=actor.name,
                answers=answers,
                root_causes=causes,
                comment=data.comment,
                suggestions=suggestions,
                score=result.score,
                failed=list(result.failed),
                critical_failed=bool(result.critical_failures),
                status="final",
                reviewed_at=now,
                updated_at=now,
            ),
        )
        if row is None:
            raise Conflict(
                f"you have already scored ticket {ticket_id} in session {data.calibration_id}"
            )
        await scorecard_store.mark_used(conn, version.id, now)
        if row.calibration_id is None:
            # Ids and the score only: the comment is free text, read through the API.
            await change.record(
                conn,
                [],
                [
                    (
                        QA_REVIEW_CREATED,
                        ticket_id,
                        {
                            "ticket_id": ticket_id,
                            "review_id": row.id,
                            "agent_id": row.agent_id,
                            "team_id": row.team_id,
                            "scorecard_id": version.scorecard_id,
                            "scorecard_version": version.number,
                            "score": row.score,
                            "critical_failed": row.critical_failed,
                        },
                    )
                ],
                at=now,
            )
        return Written(out(row, version, None))

    operation = f"qa.reviews.create:{ticket_id}"
    return await idempotency.run(desk, actor, idempotency_key, operation, data, work, now=now)


async def _visible_review(
    conn: Connection, review_id: int, caller: Principal, *, lock: bool = False
) -> ReviewRow:
    """The review if the caller reads it; calibration reviews are read through their session."""
    row = await store.get_review(conn, review_id, lock=lock)
    if (
        row is None
        or row.calibration_id is not None
        or not sees_review(review_visibility(caller), row)
    ):
        raise NotFound(f"review {review_id} does not exist")
    return row


async def get(desk: Desk, review_id: int, *, caller: Principal) -> ReviewOut:
    async with connection(desk.db) as conn:
        row = await _visible_review(conn, review_id, caller)
        return (await outs(conn, [row]))[0]


async def list_reviews(desk: Desk, query: ReviewListQuery, *, caller: Principal) -> Page[ReviewOut]:
    filters = ReviewFilters(
        ticket_id=query.ticket_id,
        agent_id=query.agent_id,
        team_id=query.team_id,
        status=query.status,
        since=query.since,
        until=query.until,
    )
    async with connection(desk.db) as conn:
        rows, next_cursor = await store.page_reviews(
            conn, filters, review_visibility(caller), limit=query.limit, cursor=query.cursor
        )
        items = await outs(conn, rows)
    return Page[ReviewOut](items=items, next_cursor=next_cursor)


# ---- disputes ------------------------------------------------------------------------------


async def dispute(
    desk: Desk,
    review_id: int,
    data: DisputeCreate,
    *,
    actor: Principal,
    now: datetime,
    idempotency_key: str | None,
) -> Written[ReviewOut]:
    """The reviewed agent disputes the review, once, giving a reason. Answers 200 (`created`
    False): the review changes, nothing new is made."""

    async def work(conn: Connection) -> Written[ReviewOut]:
        row = await _visible_review(conn, review_id, actor, lock=True)
        if actor.agent_id is None or actor.agent_id != row.agent_id:
            raise Forbidden("only the reviewed agent may dispute a review")
        made = await dispute_store.insert_dispute(
            conn, row, reason=data.reason, key_id=actor.key_id or None, now=now
        )
        if made is None:
            raise Conflict(f"review {review_id} was disputed already; a review is disputed once")
        row = await store.set_review_status(conn, row.id, "disputed", now)
        await change.record(
            conn,
            [],
            [
                (
                    QA_REVIEW_DISPUTED,
                    row.ticket_id,
                    {
                        "ticket_id": row.ticket_id,
                        "review_id": row.id,
                        "agent_id": row.agent_id,
                        "team_id": row.team_id,
                        "score": row.score,
                    },
                )
            ],
            at=now,
        )
        return Written((await outs(conn, [row]))[0], created=False)

    operation = f"qa.reviews.dispute:{review_id}"
    return await idempotency.run(desk, actor, idempotency_key, operation, data, work, now=now)


async def decide(
    desk: Desk,
    review_id: int,
    data: DisputeDecision,
    *,
    actor: Principal,
    now: datetime,
    idempotency_key: str | None,
) -> Written[ReviewOut]:
    """A supervisor upholds the disputed review, or amends its answers (the old ones are kept
    on the dispute). Answers 200 (`created` False)."""

    async def work(conn: Connection) -> Written[ReviewOut]:
        row = await _visible_review(conn, review_id, actor, lock=True)
        found = await dispute_store.dispute_of(conn, row.id, lock=True)
        if found is None or found.decision is not None:
            raise Conflict(
                f"review {review_id} has no open dispute"
                + ("" if found is None else f" (it was {found.decision})")
            )
        if data.decision == "upheld":
            if data.answers is not None or data.root_causes is not None:
                raise UnprocessableEntity(
                    "an upheld review keeps its answers",
                    errors=[{"field": "answers", "message": "only with decision 'amended'"}],
                )
            await dispute_store.decide_dispute(
                conn,
                found.id,
                decision="upheld",
                comment=data.comment,
                key_id=actor.key_id or None,
                previous_answers=None,
                previous_score=None,
                now=now,
            )
            row = await store.set_review_status(conn, row.id, "upheld", now)
        else:
            if not data.answers and data.root_causes is None:
                raise UnprocessableEntity(
                    "an amendment gives the answers that change",
                    errors=[{"field": "answers", "message": "required with decision 'amended'"}],
                )
            version = await scorecard_store.get_version(conn, row.scorecard_version_id)
            assert version is not None
            card = card_of(version.sections)
            answers = {**row.answers, **(data.answers or {})}
            causes = (
                row.root_causes
                if data.root_causes is None
                else _root_causes(card, data.root_causes)
            )
            try:
                result = rules.score(card, answers)
            except rules.ScorecardError as exc:
                raise _invalid(exc) from None
            await dispute_store.decide_dispute(
                conn,
                found.id,
                decision="amended",
                comment=data.comment,
                key_id=actor.key_id or None,
                previous_answers=row.answers,
                previous_score=row.score,
                now=now,
            )
            row = await store.amend_review(
                conn,
                row.id,
                answers=answers,
                root_causes=causes,
                score=result.score,
                failed=list(result.failed),
                critical_failed=bool(result.critical_failures),
                now=now,
            )
        return Written((await outs(conn, [row]))[0], created=False)

    operation = f"qa.reviews.decide:{review_id}"
    return await idempotency.run(desk, actor, idempotency_key, operation, data, work, now=now)
