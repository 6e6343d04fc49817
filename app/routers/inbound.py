"""/v1/inbound/email: raw messages a mail gateway forwards."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.http.deps import Call, call_for
from app.http.responses import written
from app.schemas.inbound import InboundEmailOut
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
        201: {"description": "Received: appended, reopened, created, or only recorded."},
        415: {"description": "The body is not `message/rfc822`.", "content": PROBLEM},
        422: {"description": "No headers, or nothing to record.", "content": PROBLEM},
    },
)
async def receive_email(call: IntakeCall, request: Request) -> Response:
    """Thread a message onto its ticket: the same Message-ID; In-Reply-To/References naming a
    stored message or one the desk sent; a signed `[ref:…]` token in the body; a `[#id]` subject
    token from the ticket's customer or a participant; else a new email ticket. A resolved ticket
    reopens; a closed one gets a linked follow-up. Auto-replies and bounces are only recorded."""
    raw = await request.body()
    result = await inbound_email.receive(
        call.desk, raw, actor=call.caller, visible=call.visible, now=call.now
    )
    return written(result)
