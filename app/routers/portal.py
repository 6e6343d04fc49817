"""/v1/customers/{id}/tokens: short-lived tokens for the customer portals frontend teams build."""

from fastapi import APIRouter, Response

from app.http.deps import PathId, TokenCall
from app.http.responses import json_body
from app.schemas.api_keys import CustomerTokenOut
from app.services import customer_tokens

router = APIRouter(prefix="/v1/customers", tags=["customers"])


@router.post(
    "/{customer_id}/tokens",
    status_code=201,
    response_model=CustomerTokenOut,
    operation_id="customer_tokens_create",
)
async def mint_customer_token(customer_id: PathId, call: TokenCall) -> Response:
    """A token for one customer's portal (admin and integration keys), valid for
    HELPDESK_CUSTOMER_TOKEN_SECONDS. With `Authorization: Bearer <token>` the portal lists and
    reads that customer's tickets (`GET /v1/tickets`, `GET /v1/tickets/{id}`), lists their public
    interactions (`GET /v1/tickets/{id}/interactions?public_only=true`) and adds the customer's
    reply (`POST /v1/tickets/{id}/interactions`: inbound, public, by the customer); nothing else."""
    token = await customer_tokens.mint(call.desk, customer_id, now=call.now)
    return json_body(token, status=201)
