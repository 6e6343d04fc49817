"""/v1/inbound/chat: conversations from chat gateways."""

from fastapi import APIRouter, Response

from app.http.deps import IdempotencyKey, WriteCall
from app.http.responses import written
from app.schemas.chat import ChatConversation, ChatOut
from app.services import chat

router = APIRouter(tags=["inbound"])


@router.post(
    "/v1/inbound/chat",
    status_code=201,
    response_model=ChatOut,
    operation_id="inbound_chat",
    responses={200: {"description": "The conversation's ticket existed.", "model": ChatOut}},
)
async def receive_chat(
    call: WriteCall, body: ChatConversation, key: IdempotencyKey = None
) -> Response:
    """A conversation is one ticket (channel `chat`, `external_id` `chat:<conversation_id>`),
    opened at its earliest message; each message is one interaction, logged once per message
    id: post the whole conversation or only new messages, again and in any order. 201 when
    this call opened the ticket, 200 when it existed; a closed ticket takes no new messages
    (409), nor does a conversation whose customer is not the one the post names (409,
    `customer.email`). An integration key whose scope names neither `chat` nor `own` may not
    post chat (403)."""
    result = await chat.receive(
        call.desk, body, actor=call.caller, visible=call.visible, now=call.now, idempotency_key=key
    )
    return written(result)
