"""/v1/interactions: interactions across tickets (a gateway finds the one its message made)."""

from typing import Annotated

from fastapi import APIRouter

from app.http.deps import ReadCall, query, query_parameters
from app.schemas import InteractionOut, Page
from app.schemas.interactions import InteractionSearchQuery
from app.services import interactions

router = APIRouter(prefix="/v1/interactions", tags=["tickets"])


@router.get(
    "",
    response_model=Page[InteractionOut],
    operation_id="interactions_find",
    openapi_extra=query_parameters(InteractionSearchQuery),
)
async def find_interactions(
    call: ReadCall, q: Annotated[InteractionSearchQuery, query(InteractionSearchQuery)]
) -> Page[InteractionOut]:
    return await interactions.find_by_external_id(
        call.desk, q.external_id, visible=call.visible, limit=q.limit, cursor=q.cursor
    )
