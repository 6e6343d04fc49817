"""/v1/imports: tickets brought over from another help desk, one or a batch at a time."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.http.deps import Call, call_for
from app.http.responses import written
from app.schemas import TicketOut
from app.schemas.imports import ImportBatchOut, TicketImport, TicketImportBatch
from app.services import imports

router = APIRouter(prefix="/v1/imports", tags=["imports"])

ImportCall = Annotated[Call, Depends(call_for("import_history"))]


@router.post(
    "/tickets",
    status_code=201,
    response_model=TicketOut,
    operation_id="imports_ticket",
    responses={
        200: {"description": "Imported before (same source and external_id).", "model": TicketOut},
        201: {"description": "Imported."},
    },
)
async def import_ticket(call: ImportCall, body: TicketImport) -> Response:
    """A ticket with its whole past: status changes and interactions are replayed in time
    order with their own times, so its history, SLA clocks and KPIs are as if it lived here."""
    result = await imports.import_ticket(
        call.desk, body, actor=call.caller, visible=call.visible, now=call.now
    )
    return written(result)


@router.post("/tickets/batch", operation_id="imports_tickets_batch")
async def import_batch(call: ImportCall, body: TicketImportBatch) -> ImportBatchOut:
    """Up to 100 tickets, each imported in its own transaction, with a result per item."""
    return await imports.import_batch(
        call.desk, body, actor=call.caller, visible=call.visible, now=call.now
    )
