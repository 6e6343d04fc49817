"""/v1/inbound/email: raw messages a mail gateway forwards; /v1/inbound/held: the mail held
because its sender is not on the ticket it answers, to accept or reject."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response

from app.http.deps import Call, PathId, SuperviseCall, call_for, query, query_parameters
from app.http.responses import json_body, written
from app.schemas import Page
from app.schemas.inbound import HeldAccept, HeldListQuery, InboundEmailOut
from app.services import inbound_email

router = APIRouter(prefix="/v1/inbound", tags=["inbound"])

# Intake from gateways, like imports, is for admin and integration keys.
IntakeCall = Annotated[Call, Depends(call_for("import_history"))]

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
RAW_MESSAGE = {
    "requestBody": {
        "required": True,
        "description": "The message as received (RFC 5322), headers and body.",
        "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/email",
    status_code=201,
    response_model=InboundEmailOut,
    operation_id="inbound_email_receive",
    openapi_extra=RAW_MESSAGE,
    responses={
        200: {
            "description": "This Message-ID was received before: its record.",
            "model": InboundEmailOut,
        },
        201: {"description": "Received: appended, reopened, created, held or only recorded."},
        415: {"description": "The body is not `message/rfc822`.", "content": PROBLEM},
        422: {"description": "No headers, or nothing to record.", "content": PROBLEM},
    },
)
async def receive_email(call: IntakeCall, request: Request) -> Response:
    """Thread a message onto its ticket: the same Message-ID; In-Reply-To/References naming a
    stored message or one the desk sent; a signed `[ref:…]` token in the subject or body; a
    `[#id]` subject token; else a new email ticket. A message joins the ticket it answers only
    when its sender is the ticket's customer, or it answers mail the desk signed for that
    ticket; otherwise it is held (`outcome: held`, nothing added) for `/v1/inbound/held`. A
    resolved ticket reopens; a closed one gets a linked follow-up. Auto-replies, bounces and
    the desk's own mail coming back (its signed Message-ID, or from `HELPDESK_MAIL_ADDRESSES`)
    are only recorded."""
    raw = await request.body()
    result = await inbound_email.receive(
        call.desk, raw, actor=call.caller, visible=call.visible, now=call.now
    )
    return written(result)


@router.get(
    "/held",
    response_model=Page[InboundEmailOut],
    operation_id="inbound_held_list",
    openapi_extra=query_parameters(HeldListQuery),
)
async def list_held(
    call: SuperviseCall, q: Annotated[HeldListQuery, query(HeldListQuery)]
) -> Response:
    """Mail held because its sender is not on the ticket it answers, oldest first: nothing of
    it is on any ticket until accepted. Supervisors see the mail that would join their tickets.
    Reading it is recorded in the audit log (strangers' mail)."""
    return json_body(await inbound_email.list_held(call.desk, q, visible=call.visible))


@router.post(
    "/held/{email_id}/accept",
    response_model=InboundEmailOut,
    operation_id="inbound_held_accept",
    responses={
        404: {
            "description": "No such held message, or not on a ticket the caller sees.",
            "content": PROBLEM,
        },
        409: {"description": "Accepted or rejected already.", "content": PROBLEM},
    },
)
async def accept_held(
    call: SuperviseCall,
    email_id: PathId,
    body: Annotated[HeldAccept | None, Body()] = None,
) -> InboundEmailOut:
    """Accept a held message: appended to the ticket it answers as its sender's email (a
    resolved ticket reopens, a closed one gets a linked follow-up), or, with `into:
    new_ticket`, a new email ticket for its sender. The sender does not join the ticket: their
    next mail to it is held again."""
    return await inbound_email.accept_held(
        call.desk,
        email_id,
        body or HeldAccept(),
        actor=call.caller,
        visible=call.visible,
        now=call.now,
    )


@router.post(
    "/held/{email_id}/reject",
    response_model=InboundEmailOut,
    operation_id="inbound_held_reject",
    responses={
        404: {
            "description": "No such held message, or not on a ticket the caller sees.",
            "content": PROBLEM,
        },
        409: {"description": "Accepted or rejected already.", "content": PROBLEM},
    },
)
async def reject_held(call: SuperviseCall, email_id: PathId) -> InboundEmailOut:
    """Reject a held message: nothing is added anywhere; what it said and who sent it are
    erased at once, its Message-ID kept so a gateway's retry changes nothing."""
    return await inbound_email.reject_held(
        call.desk, email_id, actor=call.caller, visible=call.visible, now=call.now
    )
