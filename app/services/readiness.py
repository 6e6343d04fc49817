"""Whether this replica can serve: database reachable, schema migrated to head."""

from app.db import current_revision, head_revision
from app.services.context import Desk


async def check(desk: Desk, limit_seconds: float = 2.0) -> str | None:
    """None when ready, else what is wrong."""
    try:
        revision = await current_revision(desk.db, limit_seconds)
    except Exception as exc:  # any failure to reach the database means "not ready"
        return f"database unreachable: {type(exc).__name__}"
    head = head_revision()
    if revision != head:
        return f"database schema at {revision}, expected {head}: run 'helpdesk migrate'"
    return None
