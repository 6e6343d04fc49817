"""The one ticket-change writer: every path that changes a ticket hands it the locked ticket, the
change, the actor and the instant; it alone stores the columns with the SLA clocks they imply,
syncs the timers, arms retention, writes the history lines and emits the events, in the caller's
transaction. A path cannot forget a history line or an event: it never writes one itself."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.db import Connection
from app.domain import events as kinds
from app.domain.access import Principal
from app.services import clocks, history, outbox, retention
from app.services.clocks import Derived
from app.services.desk import Desk
from app.store import customers
from app.store import events as event_store
from app.store import history as history_store
from app.store.events import NewEvent
from app.store.history import NewLine
from app.store.tickets import TicketRow

Changes = Mapping[str, tuple[Any, Any]]
Events = Sequence[tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class TicketChange:
    """What one use case changes on one ticket.

    `columns`: the ticket's new stored values (the version and `updated_at` follow by themselves).
    `changed`: what history and the events report, field by field (old, new); a field named in
    `unrecorded` is stored and announced but gets no history line (a reason kept in a column).
    `updated`: the change is an update of the ticket itself (a `ticket.updated` event), not a
    consequence of something else (an interaction, an escalation).
    `lines`: the path's own history lines (an interaction logged, an escalation), before the
    field lines, which carry `note`.
    `events`: the path's own events, given the ticket as stored; emitted before the ticket's.
    `rederive`: work the clocks out again even though no column changes (a policy changed)."""

    columns: Mapping[str, Any] = field(default_factory=dict)
    changed: Changes = field(default_factory=dict)
    updated: bool = False
    lines: Sequence[NewLine] = ()
    note: str | None = None
    unrecorded: frozenset[str] = frozenset()
    events: Callable[[TicketRow], Events] | None = None
    rederive: bool = False


@dataclass(frozen=True)
class Applied:
    """The ticket as stored after the change, and its clocks (None: they did not move)."""

    ticket: TicketRow
    derived: Derived | None


async def apply(
    conn: Connection,
    desk: Desk,
    ticket: TicketRow,
    change: TicketChange,
    *,
    actor: Principal,
    at: datetime,
) -> Applied:
    """Write `change` to `ticket` (locked by the caller, `at` read after the lock)."""
    columns = dict(change.columns)
    stored, derived = ticket, None
    if columns or change.rederive:
        if columns:
            columns.setdefault("version", ticket.version + 1)
            columns.setdefault("updated_at", at)
        organization = await customers.organization_of(
            conn, columns.get("customer_id", ticket.customer_id)
        )
        snapshot = await desk.policies.for_writing(conn)
        stored, derived = await clocks.settle(
            conn,
            ticket,
            columns,
            book=snapshot.book,
            organization=organization,
            now=at,
            settings=desk.settings,
        )
        await retention.arm_retention(
            conn, ticket.id, closed_at=columns.get("closed_at"), desk=desk, now=at
        )
    recorded = {k: v for k, v in change.changed.items() if k not in change.unrecorded}
    events = [*(change.events(stored) if change.events else ())]
    events += kinds.change_events(
        kinds.ticket_facts(stored), change.changed, updated=change.updated
    )
    await record(
        conn,
        [*change.lines, *history.changes(ticket.id, actor, at, recorded, note=change.note)],
        [(type, ticket.id, payload) for type, payload in events],
        at=at,
    )
    return Applied(stored, derived)


async def record(
    conn: Connection,
    lines: Sequence[NewLine],
    events: Sequence[tuple[str, int | None, dict[str, Any]]] = (),
    *,
    at: datetime,
) -> None:
    """History lines and events of what happened to tickets without changing them (a link, a
    recorded SLA event, a reminder come due), for one ticket or a worker's batch of several;
    an event with no ticket id is the desk's (an article published, a report ready)."""
    if lines:
        await history_store.append(conn, list(lines))
    for type, ticket_id, _ in events:
        outbox.known(type, ticket_id)
    if events:
        await event_store.insert(
            conn, [NewEvent(t, ticket_id, p, at) for t, ticket_id, p in events]
        )
