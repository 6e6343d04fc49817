"""/v1/tickets/{id}/surveys and /v1/surveys: customers' CSAT and NPS answers."""

from typing import Annotated

from fastapi import APIRouter, Body

from app.http.deps import PathId, ReadCall, WriteCall, query
from app.http.routes import creates, lists
from app.schemas import Page
from app.schemas.surveys import SurveyAnswer, SurveyListQuery, SurveyOut
from app.services import surveys
from app.services.idempotency import Written

router = APIRouter(prefix="/v1", tags=["surveys"])


@creates(
    router,
    "/tickets/{ticket_id}/surveys",
    SurveyOut,
    operation_id="surveys_create",
    responses={
        200: {
            "description": "The ticket already had this very answer: returned (a retry).",
            "model": SurveyOut,
        },
        201: {"description": "Recorded."},
    },
)
async def answer_survey(
    call: WriteCall, ticket_id: PathId, body: Annotated[SurveyAnswer, Body()]
) -> Written[SurveyOut]:
    """Record a customer's CSAT (1–5) or NPS (0–10) answer about the ticket, usually sent by
    an integration key after resolution, or by the customer's portal token. A ticket has one
    answer of each kind: the same answer sent again returns the first (200), a different one
    is a 409."""
    return await surveys.answer(
        call.desk, ticket_id, body, actor=call.caller, visible=call.visible, now=call.now
    )


@lists(router, "/surveys", SurveyOut, SurveyListQuery, operation_id="surveys_list")
async def list_surveys(
    call: ReadCall, q: Annotated[SurveyListQuery, query(SurveyListQuery)]
) -> Page[SurveyOut]:
    """Survey answers, newest first; those about the tickets the caller sees."""
    return await surveys.list_surveys(call.desk, q, visible=call.visible)
