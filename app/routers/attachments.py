"""/v1/attachments: uploading a file (to send with an interaction) and downloading one."""

from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from app.http.deps import PathId, ReadCall, WriteCall, query, query_parameters
from app.http.responses import json_body
from app.schemas.attachments import AttachmentOut, AttachmentUploadQuery
from app.services import attachments

router = APIRouter(prefix="/v1/attachments", tags=["attachments"])

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
RAW_FILE = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes (at least one: an empty body is refused with a 422); "
        "its Content-Type is the file's.",
        "content": {
            "application/octet-stream": {
                "schema": {"type": "string", "format": "binary", "minLength": 1}
            }
        },
    }
}


@router.post(
    "",
    status_code=201,
    response_model=AttachmentOut,
    operation_id="attachments_create",
    openapi_extra=RAW_FILE | query_parameters(AttachmentUploadQuery),
    responses={
        201: {"description": "Stored; send it with an interaction's `attachment_ids`."},
        413: {
            "description": "Larger than `HELPDESK_ATTACHMENT_MAX_BYTES` (the problem's "
            "`limit` names the setting).",
            "content": PROBLEM,
        },
    },
)
async def upload(
    call: WriteCall,
    request: Request,
    q: Annotated[AttachmentUploadQuery, query(AttachmentUploadQuery)],
) -> Response:
    """Upload one file, streamed: the body is its bytes, `Content-Type` its type (checked
    against the content's first bytes: PNG, JPEG, GIF, PDF and ZIP that are not what they say
    are recorded as `application/octet-stream`). It waits, unsent, for the interaction that
    names it in `attachment_ids` (`POST /v1/tickets/{id}/interactions`, by the same key or
    customer token); a file's content is stored once however often it is sent."""
    length = request.headers.get("content-length")
    stored = await attachments.upload(
        call.desk,
        request.stream(),
        filename=q.filename,
        declared_type=request.headers.get("content-type"),
        declared_size=int(length) if length is not None and length.isdigit() else None,
        actor=call.caller,
        now=call.now,
    )
    response = json_body(stored, status=201)
    response.headers["Location"] = f"/v1/attachments/{stored.id}"
    return response


@router.get(
    "/{attachment_id}",
    operation_id="attachments_download",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The file under its recorded type, as a download "
            "(`Content-Disposition: attachment`).",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        },
        404: {"description": "No such attachment the caller may see.", "content": PROBLEM},
    },
)
async def download(call: ReadCall, attachment_id: PathId) -> StreamingResponse:
    """Download a file: visible exactly when its interaction is (a customer token: files of
    its tickets' public interactions), or, unsent, to whoever uploaded it. Served with
    `Content-Disposition: attachment` (the name as RFC 5987 `filename*` too), its recorded
    type and `X-Content-Type-Options: nosniff`; the read is audited."""
    found = await attachments.download(
        call.desk, attachment_id, actor=call.caller, visible=call.visible
    )
    return StreamingResponse(found.chunks, media_type=found.media_type, headers=found.headers)
