"""/v1/qa/…, /v1/tickets/{id}/qa-reviews and /v1/metrics/qa: quality assurance of agents' work."""

from typing import Annotated

from fastapi import APIRouter, Body, Response

from app.http.deps import (
    IdempotencyKey,
    IfMatch,
    PathId,
    ReadCall,
    SuperviseCall,
    WriteCall,
    expected_version,
    query,
    query_parameters,
)
from app.http.responses import json_body, written
from app.http.routes import creates, lists
from app.schemas import Page
from app.schemas.qa import (
    AssignmentCreate,
    AssignmentListQuery,
    AssignmentOut,
    CalibrationCreate,
    CalibrationOut,
    DisputeCreate,
    DisputeDecision,
    PrecheckQuery,
    PrechecksOut,
    QaMetrics,
    QaMetricsQuery,
    ReviewCreate,
    ReviewListQuery,
    ReviewOut,
    ScheduleCreate,
    ScheduleOut,
    ScorecardCreate,
    ScorecardListQuery,
    ScorecardOut,
    ScorecardUpdate,
)
from app.services.idempotency import Written
from app.services.qa import assignments, calibrations, metrics, reviews, schedules, scorecards

router = APIRouter(prefix="/v1", tags=["quality assurance"])


# ---- scorecards ----------------------------------------------------------------------------


@creates(router, "/qa/scorecards", ScorecardOut, operation_id="qa_scorecards_create")
async def create_scorecard(
    call: SuperviseCall, body: Annotated[ScorecardCreate, Body()], key: IdempotencyKey = None
) -> Written[ScorecardOut]:
    """A scorecard: criteria in sections, each with a weight, a scale, whether n/a is allowed,
    root causes to pick from, and optionally critical (a fail zeroes the criterion, its section
    or the whole review) or bonus (adds above 100 %)."""
    return await scorecards.create(
        call.desk, body, actor=call.caller, now=call.now, idempotency_key=key
    )


@lists(
    router,
    "/qa/scorecards",
    ScorecardOut,
    ScorecardListQuery,
    operation_id="qa_scorecards_list",
)
async def list_scorecards(
    call: SuperviseCall, q: Annotated[ScorecardListQuery, query(ScorecardListQuery)]
) -> Page[ScorecardOut]:
    """The scorecards, the built-in service-desk checklist first, each at its current version."""
    return await scorecards.list_scorecards(call.desk, q, now=call.now)


@router.get(
    "/qa/scorecards/{scorecard_id}", response_model=ScorecardOut, operation_id="qa_scorecards_get"
)
async def get_scorecard(call: SuperviseCall, scorecard_id: PathId) -> Response:
    return json_body(await scorecards.get(call.desk, scorecard_id, now=call.now))


@router.patch(
    "/qa/scorecards/{scorecard_id}",
    response_model=ScorecardOut,
    operation_id="qa_scorecards_update",
)
async def update_scorecard(
    call: SuperviseCall,
    scorecard_id: PathId,
    body: Annotated[ScorecardUpdate, Body()],
    if_match: IfMatch = None,
) -> Response:
    """Change the name, description or criteria. Criteria a review has used are never changed:
    new ones become the next version, and every review keeps the version it was scored on."""
    changed = await scorecards.update(
        call.desk,
        scorecard_id,
        body,
        expected_version=expected_version(if_match),
        actor=call.caller,
        now=call.now,
    )
    return json_body(changed)


# ---- reviews -------------------------------------------------------------------------------


@router.get(
    "/tickets/{ticket_id}/qa-prechecks",
    response_model=PrechecksOut,
    operation_id="qa_prechecks",
    openapi_extra=query_parameters(PrecheckQuery),
)
async def prechecks(
    call: SuperviseCall, ticket_id: PathId, q: Annotated[PrecheckQuery, query(PrecheckQuery)]
) -> Response:
    """What the automatic pre-checks suggest for a review of the ticket, with their evidence:
    facts of its data and checks of its public replies' text in its language."""
    return json_body(
        await reviews.preview(
            call.desk, ticket_id, q.scorecard_id, visible=call.visible, now=call.now
        )
    )


@creates(router, "/tickets/{ticket_id}/qa-reviews", ReviewOut, operation_id="qa_reviews_create")
async def create_review(
    call: SuperviseCall,
    ticket_id: PathId,
    body: Annotated[ReviewCreate, Body()],
    key: IdempotencyKey = None,
) -> Written[ReviewOut]:
    """Score the ticket (or one interaction of it). Criteria left out take the pre-checks'
    suggestions; every suggestion is kept with whether the reviewer accepted or overruled it."""
    return await reviews.create(
        call.desk,
        ticket_id,
        body,
        actor=call.caller,
        visible=call.visible,
        now=call.now,
        idempotency_key=key,
    )


@lists(router, "/qa/reviews", ReviewOut, ReviewListQuery, operation_id="qa_reviews_list")
async def list_reviews(
    call: ReadCall, q: Annotated[ReviewListQuery, query(ReviewListQuery)]
) -> Page[ReviewOut]:
    """Reviews, newest first: an agent reads their own, a supervisor their teams', an admin all."""
    return await reviews.list_reviews(call.desk, q, caller=call.caller)


@router.get("/qa/reviews/{review_id}", response_model=ReviewOut, operation_id="qa_reviews_get")
async def get_review(call: ReadCall, review_id: PathId) -> Response:
    return json_body(await reviews.get(call.desk, review_id, caller=call.caller))


@router.post(
    "/qa/reviews/{review_id}/dispute", response_model=ReviewOut, operation_id="qa_reviews_dispute"
)
async def dispute_review(
    call: WriteCall,
    review_id: PathId,
    body: Annotated[DisputeCreate, Body()],
    key: IdempotencyKey = None,
) -> Response:
    """The reviewed agent disputes the review, once, with a reason."""
    return written(
        await reviews.dispute(
            call.desk, review_id, body, actor=call.caller, now=call.now, idempotency_key=key
        )
    )


@router.post(
    "/qa/reviews/{review_id}/decision", response_model=ReviewOut, operation_id="qa_reviews_decide"
)
async def decide_dispute(
    call: SuperviseCall,
    review_id: PathId,
    body: Annotated[DisputeDecision, Body()],
    key: IdempotencyKey = None,
) -> Response:
    """A supervisor upholds the disputed review or amends its answers; the trail stays."""
    return written(
        await reviews.decide(
            call.desk, review_id, body, actor=call.caller, now=call.now, idempotency_key=key
        )
    )


# ---- samples and calibration ---------------------------------------------------------------


@creates(
    router,
    "/qa/assignments",
    AssignmentOut,
    operation_id="qa_assignments_create",
    responses={200: {"description": "The same request (and seed) drew this sample before."}},
)
async def create_assignment(
    call: SuperviseCall, body: Annotated[AssignmentCreate, Body()], key: IdempotencyKey = None
) -> Written[AssignmentOut]:
    """Draw N resolved tickets per agent of the period, uniformly at random with a stored seed
    from a recorded population; a ticket is sampled at most once per period."""
    return await assignments.create(
        call.desk, body, actor=call.caller, now=call.now, idempotency_key=key
    )


@lists(
    router,
    "/qa/assignments",
    AssignmentOut,
    AssignmentListQuery,
    operation_id="qa_assignments_list",
)
async def list_assignments(
    call: SuperviseCall, q: Annotated[AssignmentListQuery, query(AssignmentListQuery)]
) -> Page[AssignmentOut]:
    """Samples, newest first: those you drew, and a supervisor's also those drawn for their
    teams; an admin reads all."""
    return await assignments.list_assignments(call.desk, q, caller=call.caller)


@router.get(
    "/qa/assignments/{assignment_id}",
    response_model=AssignmentOut,
    operation_id="qa_assignments_get",
)
async def get_assignment(call: SuperviseCall, assignment_id: PathId) -> Response:
    return json_body(await assignments.get(call.desk, assignment_id, caller=call.caller))


@creates(router, "/qa/schedules", ScheduleOut, operation_id="qa_schedules_create")
async def create_schedule(
    call: SuperviseCall, body: Annotated[ScheduleCreate, Body()], key: IdempotencyKey = None
) -> Written[ScheduleOut]:
    """A recurring sample: when each period ends, its fair sample is drawn as on request (its
    seed follows from the schedule's and the period), once per period."""
    return await schedules.create(
        call.desk, body, actor=call.caller, now=call.now, idempotency_key=key
    )


@router.get(
    "/qa/schedules/{schedule_id}", response_model=ScheduleOut, operation_id="qa_schedules_get"
)
async def get_schedule(call: SuperviseCall, schedule_id: PathId) -> Response:
    return json_body(await schedules.get(call.desk, schedule_id, caller=call.caller))


@router.delete("/qa/schedules/{schedule_id}", status_code=204, operation_id="qa_schedules_stop")
async def stop_schedule(call: SuperviseCall, schedule_id: PathId) -> Response:
    """Draw no more periods; the samples drawn stay."""
    await schedules.stop(call.desk, schedule_id, actor=call.caller, now=call.now)
    return Response(status_code=204)


@creates(router, "/qa/calibrations", CalibrationOut, operation_id="qa_calibrations_create")
async def create_calibration(
    call: SuperviseCall, body: Annotated[CalibrationCreate, Body()], key: IdempotencyKey = None
) -> Written[CalibrationOut]:
    """A calibration session: reviewers score its tickets (reviews with `calibration_id`) blind
    until it is closed. Its reviews never count toward agents' QA figures."""
    return await calibrations.create(
        call.desk,
        body,
        actor=call.caller,
        visible=call.visible,
        now=call.now,
        idempotency_key=key,
    )


@router.get(
    "/qa/calibrations/{calibration_id}",
    response_model=CalibrationOut,
    operation_id="qa_calibrations_get",
)
async def get_calibration(call: SuperviseCall, calibration_id: PathId) -> Response:
    return json_body(await calibrations.get(call.desk, calibration_id, caller=call.caller))


@router.post(
    "/qa/calibrations/{calibration_id}/close",
    response_model=CalibrationOut,
    operation_id="qa_calibrations_close",
)
async def close_calibration(
    call: SuperviseCall, calibration_id: PathId, key: IdempotencyKey = None
) -> Response:
    """Close the session: every answer is revealed, with Krippendorff's alpha per criterion and
    each reviewer's distance from the consensus."""
    return written(
        await calibrations.close(
            call.desk, calibration_id, actor=call.caller, now=call.now, idempotency_key=key
        )
    )


# ---- figures -------------------------------------------------------------------------------


@router.get(
    "/metrics/qa",
    response_model=QaMetrics,
    operation_id="metrics_qa",
    openapi_extra=query_parameters(QaMetricsQuery),
)
async def qa_metrics(
    call: ReadCall, q: Annotated[QaMetricsQuery, query(QaMetricsQuery)]
) -> Response:
    """QA scores per agent, team, criterion and scorecard over the period and per bucket (UTC
    days, ISO weeks or months), the most failed criteria, coverage (the share of the period's
    resolved tickets with a review), dispute rate and the calibration sessions' alpha. Counts
    the reviews the caller reads; calibration reviews never count."""
    return json_body(await metrics.figures(call.desk, q, caller=call.caller))
