"""/v1/reports/audit: the help-desk audit, read at once or kept, and the rows behind its findings."""

from typing import Annotated

from fastapi import APIRouter, Body, Path, Request, Response

from app.http.deps import PathId, SuperviseCall, query, query_parameters
from app.http.responses import json_body
from app.http.routes import lists
from app.openapi_doc import written_reports
from app.schemas import Page
from app.schemas.reports import (
    AuditQuery,
    AuditReportOut,
    AuditRequest,
    FindingRowsOut,
    ReportListQuery,
    StoredReportOut,
)
from app.services import audit_report

router = APIRouter(prefix="/v1/reports", tags=["reports"])

MARKDOWN = "text/markdown"
_DOCUMENT = {
    200: {
        "content": {
            "application/json": {},
            MARKDOWN: {"schema": {"type": "string"}, "example": written_reports.MARKDOWN},
        }
    }
}


def _wants_markdown(request: Request) -> bool:
    return MARKDOWN in request.headers.get("accept", "")


def _document(report: dict[str, object]) -> Response:
    return Response(audit_report.markdown(report), media_type=f"{MARKDOWN}; charset=utf-8")


@router.get(
    "/audit",
    response_model=AuditReportOut,
    operation_id="reports_audit",
    openapi_extra=query_parameters(AuditQuery),
    responses=_DOCUMENT,  # type: ignore[arg-type]
)
async def audit(
    call: SuperviseCall, request: Request, q: Annotated[AuditQuery, query(AuditQuery)]
) -> Response:
    report = await audit_report.report(call.desk, q, caller=call.caller, now=call.now)
    return _document(report) if _wants_markdown(request) else json_body(report)


@router.get(
    "/audit/findings/{finding_id}/rows",
    response_model=FindingRowsOut,
    operation_id="reports_audit_finding_rows",
    openapi_extra=query_parameters(AuditQuery),
)
async def finding_rows(
    call: SuperviseCall,
    finding_id: Annotated[str, Path(max_length=60)],
    q: Annotated[AuditQuery, query(AuditQuery)],
) -> Response:
    rows = await audit_report.finding_rows(
        call.desk, finding_id, q, caller=call.caller, now=call.now
    )
    return json_body(rows.model_dump(by_alias=True))


@router.post(
    "/audit",
    status_code=202,
    response_model=StoredReportOut,
    operation_id="reports_audit_create",
)
async def create(call: SuperviseCall, body: Annotated[AuditRequest, Body()]) -> Response:
    stored = await audit_report.request(call.desk, body, caller=call.caller, now=call.now)
    response = json_body(stored.model_dump(by_alias=True), status=202)
    response.headers["Location"] = f"/v1/reports/audit/{stored.id}"
    return response


@lists(
    router,
    "/audit/stored",
    StoredReportOut,
    ReportListQuery,
    operation_id="reports_audit_list",
)
async def list_stored(
    call: SuperviseCall, q: Annotated[ReportListQuery, query(ReportListQuery)]
) -> Page[StoredReportOut]:
    return await audit_report.list_reports(call.desk, q.limit, q.cursor, caller=call.caller)


@router.get(
    "/audit/{report_id}",
    response_model=StoredReportOut,
    operation_id="reports_audit_get",
    responses=_DOCUMENT,  # type: ignore[arg-type]
)
async def get(call: SuperviseCall, request: Request, report_id: PathId) -> Response:
    stored = await audit_report.get(call.desk, report_id, caller=call.caller)
    if _wants_markdown(request):
        return _document(audit_report.ready(stored))
    return json_body(stored.model_dump(by_alias=True))
