"""/v1/api-keys: admin-only management of API keys."""

from typing import Annotated

from fastapi import APIRouter, Response

from app.http.deps import AdminCall, PathId, query, query_parameters
from app.http.responses import json_body
from app.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut, Page
from app.schemas.api_keys import ApiKeyListQuery, ApiKeyRotate
from app.services import auth

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])


@router.post("", status_code=201, response_model=ApiKeyCreated, operation_id="api_keys_create")
async def create_key(body: ApiKeyCreate, call: AdminCall) -> Response:
    return json_body(await auth.create_key(call.desk, body, now=call.now), status=201)


@router.get(
    "",
    response_model=Page[ApiKeyOut],
    operation_id="api_keys_list",
    openapi_extra=query_parameters(ApiKeyListQuery),
)
async def list_keys(
    call: AdminCall, q: Annotated[ApiKeyListQuery, query(ApiKeyListQuery)]
) -> Response:
    """In id order, revoked keys too."""
    return json_body(await auth.list_keys(call.desk, q))


@router.post(
    "/{key_id}/rotate",
    status_code=201,
    response_model=ApiKeyCreated,
    operation_id="api_keys_rotate",
)
async def rotate_key(key_id: PathId, call: AdminCall, body: ApiKeyRotate | None = None) -> Response:
    """A new key with the same name, role, agent and scope (its secret shown once); the old one
    keeps working for HELPDESK_KEY_ROTATION_GRACE_SECONDS, then expires. A key is rotated once:
    rotate its successor next time."""
    rotated = await auth.rotate_key(call.desk, key_id, body or ApiKeyRotate(), now=call.now)
    return json_body(rotated, status=201)


@router.delete("/{key_id}", response_model=ApiKeyOut, operation_id="api_keys_revoke")
async def revoke_key(key_id: PathId, call: AdminCall) -> Response:
    """Revoked at once (other replicas within HELPDESK_API_KEY_CACHE_SECONDS). The last usable
    admin key cannot be revoked: 409."""
    return json_body(await auth.revoke_key(call.desk, key_id, now=call.now))
