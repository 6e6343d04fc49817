"""History lines: who changed what on a ticket, and when (written by the ticket-change writer,
app/services/tickets/change.py, in the change's transaction)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.domain.access import SYSTEM, Principal
from app.store import history as store
from app.store.history import HistoryRow


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def actor_type(actor: Principal) -> str:
    if actor is SYSTEM:
        return "system"
    if actor.role == "customer":
        return "customer"
    return "agent" if actor.agent_id else "api_key"


def line(
    ticket_id: int,
    actor: Principal,
    at: datetime,
    action: str,
    *,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    interaction_id: int | None = None,
    note: str | None = None,
) -> store.NewLine:
    return store.NewLine(
        ticket_id=ticket_id,
        at=at,
        action=action,
        field=field,
        old_value=_jsonable(old),
        new_value=_jsonable(new),
        actor_type=actor_type(actor),
        actor_key_id=actor.key_id or None,
        actor_name=actor.name,
        interaction_id=interaction_id,
        note=note,
    )


def changes(
    ticket_id: int,
    actor: Principal,
    at: datetime,
    changed: Mapping[str, tuple[Any, Any]],
    note: str | None = None,
) -> list[store.NewLine]:
    """One "changed" line per field: (old, new)."""
    return [
        line(ticket_id, actor, at, "changed", field=f, old=old, new=new, note=note)
        for f, (old, new) in changed.items()
    ]


__all__ = ["HistoryRow", "actor_type", "changes", "line"]
