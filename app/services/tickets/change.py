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
from app.services import clocks, history, outbox, retention, timers
from app.services.clocks import Derived
from app.services.context import Desk
from app.store import customers
from app.store import tickets as store
from app.store.events import NewEvent
from app.store.history import NewLine
from app.store.interactions import InteractionRow
from app.store.tickets import Locked, TicketRow, with_columns

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
    `interaction`: the interaction the path logs, stored by the change's statement (its id
    reserved by the lock, `store.lock_for_change`), so the lines can name it.
    `rederive`: work the clocks out again even though no column changes (a policy changed)."""

    columns: Mapping[str, Any] = field(default_factory=dict)
    changed: Changes = field(default_factory=dict)
    updated: bool = False
    lines: Sequence[NewLine] = ()
    note: str | None = None
    unrecorded: frozenset[str] = frozenset()
    events: Callable[[TicketRow], Events] | None = None
    rederive: bool = False
    interaction: InteractionRow | None = None


@dataclass(frozen=True)
class Applied:
    """The ticket as stored after the change, and its clocks (None: the change moved nothing
    they are derived from, and they were not derived again)."""

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
    locked: Locked | None = None,
) -> Applied:
    """Write `change` to `ticket` (locked by the caller, `at` read after the lock): the columns,
    timers, history lines and events in one statement. `locked`: the lock's read of the
    configuration revision and the customer's organization (`store.lock_for_change`), which
    saves reading them again."""
    columns = dict(change.columns)
    if "resolved_at" in columns and "resolved_by_id" not in columns:
        # Resolution credit is fixed when it happens: a later move of the ticket keeps it.
        resolved = columns["resolved_at"] is not None
        holder = columns.get("assignee_id", ticket.assignee_id) or actor.agent_id
        columns["resolved_by_id"] = holder if resolved else None
    stored, derived, written = ticket, None, {}
    if columns:
        columns.setdefault("version", ticket.version + 1)
        columns.setdefault("updated_at", at)
    if change.rederive or clocks.moves_clocks(columns):
        customer_id = columns.get("customer_id", ticket.customer_id)
        if locked is not None and customer_id == locked.ticket.customer_id:
            organization, revision = locked.organization, locked.revision
        else:
            organization = await customers.organization_of(conn, customer_id)
            revision = None
        snapshot = await desk.policies.for_writing(conn, revision)
        stored, derived, written = clocks.settled(
            ticket,
            columns,
            book=snapshot.book,
            organization=organization,
            now=at,
            settings=desk.settings,
        )
    elif columns:
        # Nothing the clocks are derived from moves (a note, a tag): they, the SLA columns and
        # the timers stay as the last derivation left them, with no statement to check them.
        stored, written = with_columns(ticket, columns), columns
    if columns or change.rederive:
        await retention.arm_retention(
            conn, ticket.id, closed_at=columns.get("closed_at"), desk=desk, now=at
        )
    recorded = {k: v for k, v in change.changed.items() if k not in change.unrecorded}
    events = [*(change.events(stored) if change.events else ())]
    events += kinds.change_events(
        kinds.ticket_facts(stored), change.changed, updated=change.updated
    )
    lines = [*change.lines, *history.changes(ticket.id, actor, at, recorded, note=change.note)]
    for type, _ in events:
        outbox.known(type, ticket.id)
    synced = None
    if derived is not None and (change.rederive or clocks.moves_timers(written)):
        # The timers are synced by the write's own statement (the caller's lock on the ticket
        # keeps every worker off its timers). A change that moved only what chooses the policy,
        # and not the policy nor any due time, wants the timers the last derivation synced: no
        # sync (clocks.moves_timers).
        synced = timers.derived_sync(
            derived.timers, now=at, wake_within=desk.settings.worker_max_sleep_seconds
        )
    await store.write_change(
        conn,
        ticket.id,
        written,
        lines,
        [NewEvent(type, ticket.id, payload, at) for type, payload in events],
        change.interaction,
        synced,
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
    recorded SLA event, a reminder come due), for one ticket or a worker's batch of several,
    in one statement; an event with no ticket id is the desk's (an article published, a report
    ready)."""
    for type, ticket_id, _ in events:
        outbox.known(type, ticket_id)
    await store.write_change(
        conn,
        None,
        {},
        lines,
        [NewEvent(t, ticket_id, p, at) for t, ticket_id, p in events],
    )
