"""Calibration sessions: reviewers score the same tickets blind; at close, their agreement per
criterion (Krippendorff's alpha) and each one's distance from the consensus. Calibration reviews
never count toward agents' QA figures."""

from datetime import datetime

from app.db import Connection, transaction
from app.domain import qa as rules
from app.domain.access import Principal, Visibility
from app.errors import Conflict, NotFound, UnprocessableEntity
from app.schemas.qa import CalibrationClose, CalibrationCreate, CalibrationOut, CalibrationResults
from app.services import idempotency
from app.services.context import Desk
from app.services.idempotency import Written
from app.services.qa.reviews import outs
from app.services.qa.scorecards import card_of, current
from app.store import tickets
from app.store.qa import calibrations as store
from app.store.qa import reviews as review_store
from app.store.qa import scorecards as scorecard_store
from app.store.qa.calibrations import CalibrationRow


async def _out(conn: Connection, row: CalibrationRow, caller: Principal) -> CalibrationOut:
    version = await scorecard_store.get_version(conn, row.scorecard_version_id)
    assert version is not None
    reviews = await review_store.calibration_reviews(conn, row.id)
    if row.status == "open":  # blind: each reviewer sees their own answers only
        reviews = [r for r in reviews if r.reviewer_key_id == (caller.key_id or None)]
    return CalibrationOut(
        id=row.id,
        name=row.name,
        scorecard_id=version.scorecard_id,
        scorecard_version=version.number,
        ticket_ids=row.ticket_ids,
        status=row.status,  # type: ignore[arg-type]
        created_at=row.created_at,
        closed_at=row.closed_at,
        reviews=await outs(conn, reviews),
        results=None if row.results is None else CalibrationResults(**row.results),
    )


async def create(
    desk: Desk,
    data: CalibrationCreate,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
    idempotency_key: str | None,
) -> Written[CalibrationOut]:
    ticket_ids = list(dict.fromkeys(data.ticket_ids))

    async def work(conn: Connection) -> Written[CalibrationOut]:
        for i, ticket_id in enumerate(ticket_ids):  # at most 50
            if await tickets.get(conn, ticket_id, visible) is None:
                raise UnprocessableEntity(
                    f"ticket {ticket_id} does not exist",
                    errors=[{"field": f"ticket_ids[{i}]", "message": "unknown id"}],
                )
        _, version = await current(conn, data.scorecard_id, now)
        await scorecard_store.mark_used(
            conn, version.id, now
        )  # the session is scored on this version
        row = await store.insert_calibration(
            conn,
            name=data.name,
            scorecard_version_id=version.id,
            ticket_ids=ticket_ids,
            key_id=actor.key_id or None,
            now=now,
        )
        return Written(await _out(conn, row, actor))

    return await idempotency.run(
        desk, actor, idempotency_key, "qa.calibrations.create", data, work, now=now
    )


async def get(desk: Desk, calibration_id: int, *, caller: Principal) -> CalibrationOut:
    async with transaction(desk.db) as conn:
        row = await store.get_calibration(conn, calibration_id)
        if row is None:
            raise NotFound(f"calibration session {calibration_id} does not exist")
        return await _out(conn, row, caller)


async def close(
    desk: Desk,
    calibration_id: int,
    *,
    actor: Principal,
    now: datetime,
    idempotency_key: str | None,
) -> Written[CalibrationOut]:
    """Close the session: the answers are revealed and the agreement is worked out and kept.
    Answers 200 (`created` False): nothing new is made."""

    async def work(conn: Connection) -> Written[CalibrationOut]:
        row = await store.get_calibration(conn, calibration_id, lock=True)
        if row is None:
            raise NotFound(f"calibration session {calibration_id} does not exist")
        if row.status != "open":
            raise Conflict(f"calibration session {calibration_id} is closed already")
        version = await scorecard_store.get_version(conn, row.scorecard_version_id)
        assert version is not None
        reviews = await review_store.calibration_reviews(conn, row.id)
        results = rules.calibration_results(
            card_of(version.sections),
            [
                rules.CalibrationReview(
                    r.reviewer_key_id, r.reviewer_name, r.ticket_id, r.answers, r.score
                )
                for r in reviews
            ],
        )
        alpha = results["alpha"]
        row = await store.close_calibration(
            conn,
            row.id,
            results=results,
            alpha=alpha if isinstance(alpha, float) else None,
            now=now,
        )
        return Written(await _out(conn, row, actor), created=False)

    operation = f"qa.calibrations.close:{calibration_id}"
    return await idempotency.run(
        desk, actor, idempotency_key, operation, CalibrationClose(), work, now=now
    )
