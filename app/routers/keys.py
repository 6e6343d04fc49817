"""/v1/api-keys: admin-only management of API keys."""

from fastapi import APIRouter, Request

from app.routers.deps import Admin, Db, Now, PathId
from app.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from app.services import auth

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])


@router.post("", status_code=201, response_model=ApiKeyCreated, operation_id="api_keys_create")
async def create_key(now: Now, body: ApiKeyCreate, db: Db, who: Admin) -> ApiKeyCreated:
    return await auth.create_key(db, body, now=now)


@router.get("", response_model=list[ApiKeyOut], operation_id="api_keys_list")
async def list_keys(db: Db, who: Admin) -> list[ApiKeyOut]:
    return await auth.list_keys(db)


@router.delete("/{key_id}", response_model=ApiKeyOut, operation_id="api_keys_revoke")
async def revoke_key(now: Now, key_id: PathId, db: Db, who: Admin, request: Request) -> ApiKeyOut:
    return await auth.revoke_key(db, key_id, now=now, cache=request.app.state.key_cache)
