"""SLA events: the worker records each warning and breach once; monitoring reads them back."""

from dataclasses import fields
from datetime import datetime
from typing import Any

from app.db import Connection, connection
from app.domain.access import SYSTEM, Principal, Visibility
from app.domain.events import SLA_BREACH, SLA_WARNING
from app.schemas import Page, SlaEventOut
from app.schemas.followups import SlaEventListQuery
from app.services import escalation_matrix, history
from app.services.context import Desk
from app.services.tickets import change
from app.store import sla_events as store
from app.store.history import NewLine
from app.store.sla_events import SlaEventFilters, SlaEventRow, TicketFacts
from app.store.tickets import TicketRow
from app.store.timers import Claimed


def still_due(ticket: TicketFacts, metric: str, kind: str, due_at: datetime) -> bool:
    """Belt and braces: a change that moves a deadline deletes its stale timers, so this should
    always hold. A breach is of the deadline the ticket has now; a warning, of a running clock."""
    current: datetime | None = getattr(ticket, f"{metric}_due_at")
    if current is None:
        return False
    return kind == "warning" or current == due_at


def event(
    ticket: TicketFacts, metric: str, kind: str, due_at: datetime, now: datetime
) -> store.NewSlaEvent:
    """An event on `ticket`, recording who had it and at what priority, under which policy."""
    return store.NewSlaEvent(
        ticket_id=ticket.id,
        metric=metric,
        kind=kind,
        due_at=due_at,
        recorded_at=now,
        team_id=ticket.team_id,
        assignee_id=ticket.assignee_id,
        priority=ticket.priority,
        policy_id=ticket.sla_policy_id,
    )


async def record(conn: Connection, timers: list[Claimed], now: datetime, desk: Desk) -> int:
    """The handler of the `<metric>_warning|_breach` timers: an SLA event each (once), with a
    history line on its ticket."""
    tickets = await store.ticket_facts(conn, [t.ticket_id for t in timers])
    wanted = []
    for timer in timers:
        metric, _, kind = timer.kind.rpartition("_")
        ticket = tickets.get(timer.ticket_id)
        if ticket is not None and still_due(ticket, metric, kind, timer.due_at):
            wanted.append(event(ticket, metric, kind, timer.due_at, now))
    recorded = await store.record(conn, wanted)
    await change.record(conn, [history_line(e, SYSTEM) for e in recorded], at=now)
    # The escalation matrix acts on what was just recorded, in this transaction (once per
    # event: escalations.sla_event_id is unique); the SLA events follow its own.
    await escalation_matrix.apply_matrix(conn, recorded, now, desk)
    await change.record(conn, [], [sla_event(e) for e in recorded], at=now)
    return len(recorded)


def facts_of(ticket: TicketRow) -> TicketFacts:
    """What an SLA event records of a ticket at hand."""
    return TicketFacts(**{f.name: getattr(ticket, f.name) for f in fields(TicketFacts)})


def history_line(e: SlaEventRow, actor: Principal) -> NewLine:
    """The ticket's history line of a recorded SLA event, at the instant it was recorded."""
    return history.line(
        e.ticket_id,
        actor,
        e.recorded_at,
        f"sla_{e.kind}",
        field=e.metric,
        new={"due_at": e.due_at.isoformat()},
    )


def sla_event(e: SlaEventRow) -> tuple[str, int, dict[str, Any]]:
    """The `sla.warning` / `sla.breach` event of a recorded SLA event."""
    payload = {
        "ticket_id": e.ticket_id,
        "sla_event_id": e.id,
        "metric": e.metric,
        "due_at": e.due_at.isoformat(),
        "priority": e.priority,
        "team_id": e.team_id,
        "assignee_id": e.assignee_id,
    }
    return (SLA_WARNING if e.kind == "warning" else SLA_BREACH), e.ticket_id, payload


def out(row: SlaEventRow) -> SlaEventOut:
    return SlaEventOut(
        id=row.id,
        ticket_id=row.ticket_id,
        metric=row.metric,  # type: ignore[arg-type]
        kind=row.kind,  # type: ignore[arg-type]
        due_at=row.due_at,
        recorded_at=row.recorded_at,
        team_id=row.team_id,
        assignee_id=row.assignee_id,
        priority=row.priority,
        policy_id=row.policy_id,
    )


async def list_events(
    desk: Desk, query: SlaEventListQuery, *, visible: Visibility
) -> Page[SlaEventOut]:
    """Newest first, or in commit order to follow (`order=commit`); those of the tickets the
    caller sees."""
    filters = SlaEventFilters(
        ticket_id=query.ticket_id,
        metric=query.metric,
        kind=query.kind,
        team_id=query.team_id,
        since=query.since,
        until=query.until,
    )
    read = store.feed if query.order == "commit" else store.page
    async with connection(desk.db) as conn:
        rows, next_cursor = await read(
            conn, filters, limit=query.limit, cursor=query.cursor, visible=visible
        )
    return Page[SlaEventOut](items=[out(r) for r in rows], next_cursor=next_cursor)
