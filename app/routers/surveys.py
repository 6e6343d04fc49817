"""/v1/tickets/{id}/surveys and /v1/surveys: customers' CSAT and NPS answers."""

from typing import Annotated

from fastapi import APIRouter, Body, Response

from app.http.deps import PathId, ReadCall, WriteCall, query, query_parameters
from app.http.responses import json_body, written
from app.schemas import Page
from app.schemas.surveys import SurveyAnswer, SurveyListQuery, SurveyOut
from app.services import surveys

router = APIRouter(prefix="/v1", tags=["surveys"])


@router.post(
    "/tickets/{ticket_id}/surveys",
    status_code=201,
    response_model=SurveyOut,
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
) -> Response:
    """Record a customer's CSAT (1–5) or NPS (0–10) answer about the ticket, usually sent by
    an integration key after resolution, or by the customer's portal token. A ticket has one
    answer of each kind: the same answer sent again returns the first (200), a different one
    is a 409."""
    result = await surveys.answer(
        call.desk, ticket_id, body, actor=call.caller, visible=call.visible, now=call.now
    )
    return written(result)


@router.get(
    "/surveys",
    response_model=Page[SurveyOut],
    operation_id="surveys_list",
    openapi_extra=query_parameters(SurveyListQuery),
)
async def list_surveys(
    call: ReadCall, q: Annotated[SurveyListQuery, query(SurveyListQuery)]
) -> Response:
    """Survey answers, newest first; those about the tickets the caller sees."""
    return json_body(await surveys.list_surveys(call.desk, q, visible=call.visible))
