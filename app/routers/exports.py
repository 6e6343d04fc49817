"""/v1/exports: what BI tools pull, as NDJSON or CSV."""

from typing import Annotated

from fastapi import APIRouter, Header, Response

from app.http.deps import ReadCall, query, query_parameters
from app.http.tabular import CSV, NDJSON, media_for, render
from app.schemas.exports import ExportQuery
from app.services import exports

router = APIRouter(prefix="/v1/exports", tags=["exports"])


_TEXT = {"schema": {"type": "string"}}


@router.get(
    "/tickets",
    operation_id="exports_tickets",
    response_class=Response,
    openapi_extra=query_parameters(ExportQuery),
    responses={
        200: {
            "description": "One ticket per line (NDJSON) or row (CSV, with a header row).",
            "content": {NDJSON: _TEXT, CSV: _TEXT},
            "headers": {
                "Next-Cursor": {
                    "description": "Where to continue: always given, also at the end.",
                    "schema": {"type": "string"},
                }
            },
        }
    },
)
async def export_tickets(
    call: ReadCall,
    q: Annotated[ExportQuery, query(ExportQuery)],
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """Tickets the caller sees, in the order they were last changed (committed): a ticket
    changed again comes again, later. Follow `Next-Cursor`: polling with it never misses nor
    repeats a change (a ticket is served once every transaction older than the one that wrote
    it has ended). `Accept: text/csv` for CSV, else NDJSON. Classification, ids, instants and
    counts; not the subject and description."""
    page = await exports.changed_tickets(
        call.desk, visible=call.visible, cursor=q.cursor, limit=q.limit
    )
    media = media_for(accept)
    return Response(
        render(page.records, exports.COLUMNS, media),
        media_type=media,
        headers={"Next-Cursor": page.next_cursor},
    )
