"""/v1/audit-log: who wrote or read what, for admins. Append-only: no route changes it."""

from typing import Annotated

from fastapi import APIRouter, Response

from app.http.deps import AdminCall, query, query_parameters
from app.http.responses import json_body
from app.schemas import Page
from app.schemas.audit import AuditEntryOut, AuditLogQuery
from app.services import audit

router = APIRouter(prefix="/v1/audit-log", tags=["audit log"])


@router.get(
    "",
    response_model=Page[AuditEntryOut],
    operation_id="audit_log_list",
    openapi_extra=query_parameters(AuditLogQuery),
)
async def list_audit_log(
    call: AdminCall, q: Annotated[AuditLogQuery, query(AuditLogQuery)]
) -> Response:
    """Every write of an audited record and every read of personal data, newest first: who
    (API key and its agent, customer token, or the system), what (resource, id, action, the
    names of the changed fields), when, request id and client address."""
    return json_body(await audit.list_entries(call.desk, q))
