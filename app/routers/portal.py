"""/v1/customers/{id}/tokens: short-lived tokens for the customer portals frontend teams build,
and their revocation."""

from fastapi import APIRouter, Response

from app.http.deps import PathId, TokenCall
from app.http.responses import json_body
from app.schemas.api_keys import CustomerTokenOut, CustomerTokensRevoked
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
    HELPDESK_CUSTOMER_TOKEN_SECONDS; 409 for an erased customer. With `Authorization: Bearer
    <token>` the portal lists and reads that customer's tickets (`GET /v1/tickets`,
    `GET /v1/tickets/{id}`), lists their public interactions
    (`GET /v1/tickets/{id}/interactions?public_only=true`) and adds the customer's reply
    (`POST /v1/tickets/{id}/interactions`: inbound, public, by the customer); nothing else.
    Minting is recorded in the audit log (resource `customer_tokens`)."""
    token = await customer_tokens.mint(call.desk, customer_id, actor=call.caller, now=call.now)
    return json_body(token, status=201)


# `:int`: a token's id is a number; any other segment names no token.
@router.delete(
    "/{customer_id}/tokens/{token_id:int}",
    response_model=CustomerTokensRevoked,
    operation_id="customer_tokens_revoke",
)
async def revoke_customer_token(customer_id: PathId, token_id: PathId, call: TokenCall) -> Response:
    """Revoke one of the customer's tokens: it stops working at once, on every replica.
    Recorded in the audit log; revoking it again changes nothing."""
    revoked = await customer_tokens.revoke(call.desk, customer_id, token_id, now=call.now)
    return json_body(revoked)


@router.delete(
    "/{customer_id}/tokens",
    response_model=CustomerTokensRevoked,
    operation_id="customer_tokens_revoke_all",
)
async def revoke_customer_tokens(customer_id: PathId, call: TokenCall) -> Response:
    """Revoke every token of the customer's still usable (an erasure does this too)."""
    revoked = await customer_tokens.revoke(call.desk, customer_id, None, now=call.now)
    return json_body(revoked)
