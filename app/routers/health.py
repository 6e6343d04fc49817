"""/healthz and /readyz: open probes for orchestrators."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.schemas import Health
from app.services import readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, operation_id="healthz")
async def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    operation_id="readyz",
    responses={503: {"model": Health, "description": "Not ready"}},
)
async def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is at the newest migration."""
    problem = await readiness.check(request.app.state.desk)
    if problem:
        return JSONResponse(Health(status="unavailable", detail=problem).model_dump(), 503)
    return JSONResponse(Health(status="ok").model_dump())
