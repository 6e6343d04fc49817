"""The priority matrix: impact × urgency → priority."""

from datetime import datetime

from app.db import connection, transaction
from app.domain.access import Principal
from app.domain.priority import MatrixError, validate_matrix
from app.errors import UnprocessableEntity
from app.schemas import PriorityMatrixIn, PriorityMatrixOut
from app.services import if_match
from app.services.context import Desk
from app.store import config as store
from app.store.config import MatrixRow


def matrix_out(row: MatrixRow) -> PriorityMatrixOut:
    return PriorityMatrixOut(cells=row.cells, updated_at=row.updated_at, version=row.version)


async def read_matrix(desk: Desk) -> PriorityMatrixOut:
    async with connection(desk.db) as conn:
        return matrix_out(await store.matrix(conn))


async def replace_matrix(
    desk: Desk, data: PriorityMatrixIn, *, expected_version: int, actor: Principal, now: datetime
) -> PriorityMatrixOut:
    """Every impact × urgency cell must name a priority (422 listing every problem)."""
    try:
        cells = validate_matrix(data.cells)
    except MatrixError as exc:
        raise UnprocessableEntity(
            f"cells: {exc}", errors=[{"field": "cells", "message": str(exc)}]
        ) from None
    async with transaction(desk.db) as conn:
        current = await store.lock_matrix(conn)
        if_match.check("the priority matrix", current.version, expected_version)
        # Existing tickets keep their priority, so nothing is recomputed: the matrix applies to
        # tickets created or re-triaged (impact/urgency/type edited) from now on.
        row = await store.replace_matrix(conn, cells, now)
    desk.policies.forget()
    return matrix_out(row)
