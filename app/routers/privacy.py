"""/v1/customers/{id}/export and /erase (personal data, admins only), /v1/backups/last."""

from fastapi import APIRouter, Response

from app.http.deps import AdminCall, PathId
from app.http.responses import json_body
from app.schemas.privacy import BackupOut, CustomerExport, ErasureOut
from app.services import backups, privacy

router = APIRouter()


@router.get(
    "/v1/customers/{customer_id}/export",
    response_model=CustomerExport,
    operation_id="customers_export",
    tags=["customers"],
)
async def export_customer(customer_id: PathId, call: AdminCall) -> Response:
    """Everything held about the customer, as one JSON document: their record, their tickets
    with interactions, callbacks and history, the audit entries about them, and their
    erasure. The export itself is audited."""
    return json_body(
        await privacy.export_customer(call.desk, customer_id, visible=call.visible, now=call.now)
    )


@router.post(
    "/v1/customers/{customer_id}/erase",
    response_model=ErasureOut,
    operation_id="customers_erase",
    tags=["customers"],
)
async def erase_customer(customer_id: PathId, call: AdminCall) -> Response:
    """Anonymise the customer (name replaced, contact and account fields removed) and redact
    the personal data of their tickets: subject, description, asset fields, interaction
    bodies and customer author names, callback phones and notes, personal values in the
    history, and stored idempotent responses about them. Tickets keep their status,
    priority, SLA data, counts and instants, so metrics hold. Irreversible and audited;
    idempotent: calling again answers 200 with the same outcome."""
    return json_body(
        await privacy.erase_customer(call.desk, customer_id, actor=call.caller, now=call.now)
    )


@router.get(
    "/v1/backups/last",
    response_model=BackupOut,
    operation_id="backups_last",
    tags=["backups"],
)
async def last_backup(call: AdminCall) -> Response:
    """The last successful `helpdesk backup` (404 if none was taken): its file, checksum,
    schema revision, per-table row counts and checksums, and when `--verify` last
    restored it."""
    return json_body(await backups.last(call.desk))
