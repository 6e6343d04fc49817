"""Importing tickets from another help desk with their whole past: status changes and
interactions replayed in time order with their own timestamps, so history, SLA clocks and
KPIs come out as if the ticket had lived here. Idempotent by (source, external id)."""

from dataclasses import replace
from datetime import datetime
from typing import Any

from app.db import Connection, transaction
from app.domain import events as kinds
from app.domain import sla as sla_rules
from app.domain.access import Principal, Visibility
from app.errors import Conflict, HelpdeskError, InvalidTransition
from app.schemas.imports import (
    ImportBatchOut,
    ImportedInteraction,
    ImportedStatusChange,
    ImportItemResult,
    TicketImport,
    TicketImportBatch,
)
from app.services import clocks, history, sla_events
from app.services.context import Desk
from app.services.idempotency import Written
from app.services.interactions import (
    check_shape,
    is_customer_message,
    is_public_agent_reply,
    new_interaction,
)
from app.services.tickets import change
from app.services.tickets.create import insert_new
from app.services.tickets.shapes import CLOCK_SKEW, invalid, ticket_out
from app.services.tickets.update import status_move
from app.store import customers, imports
from app.store import interactions as interaction_store
from app.store import sla_events as sla_event_store
from app.store import tickets as ticket_store
from app.store.interactions import NewInteraction
from app.store.tickets import TicketRow


def _check_times(data: TicketImport, now: datetime) -> None:
    if data.created_at > now + CLOCK_SKEW:
        raise invalid("created_at", "must not be in the future")
    if data.customer_id is not None and data.customer is not None:
        raise invalid("customer", "give customer_id or customer, not both")
    if data.priority is not None and data.priority_reason is None:
        raise invalid("priority_reason", "required when setting the priority by hand")
    stamped: list[tuple[str, datetime]] = [
        (f"status_changes[{i}].at", c.at) for i, c in enumerate(data.status_changes)
    ] + [
        (f"interactions[{i}].occurred_at", it.occurred_at) for i, it in enumerate(data.interactions)
    ]
    for field, at in stamped:
        if at < data.created_at:
            raise invalid(field, "is before the ticket was created")
        if at > now + CLOCK_SKEW:
            raise invalid(field, "must not be in the future")
    for interaction in data.interactions:
        check_shape(interaction)


async def import_ticket(
    desk: Desk, data: TicketImport, *, actor: Principal, visible: Visibility, now: datetime
) -> Written[dict[str, Any]]:
    """The imported ticket; created=False when (source, external_id) was imported before."""
    _check_times(data, now)
    async with transaction(desk.db) as conn:
        if not await imports.claim(conn, data.source, data.external_id, now, actor.key_id or None):
            return await _imported_before(conn, desk, data, visible, now)
        ticket = await _replay(conn, desk, data, actor=actor, now=now)
        await imports.set_ticket(conn, data.source, data.external_id, ticket[0].id)
    return Written(ticket_out(*ticket))


async def _imported_before(
    conn: Connection, desk: Desk, data: TicketImport, visible: Visibility, now: datetime
) -> Written[dict[str, Any]]:
    ticket_id = await imports.ticket_of(conn, data.source, data.external_id)
    ticket = None if ticket_id is None else await ticket_store.get(conn, ticket_id, visible)
    if ticket is None:
        raise Conflict(
            f"{data.source} ticket {data.external_id} was imported and is not yours to see",
            field="external_id",
        )
    book = (await desk.policies.for_writing(conn)).book
    return Written(ticket_out(ticket, clocks.view(ticket, book, now)), created=False)


async def _customer(
    conn: Connection, data: TicketImport, now: datetime
) -> tuple[int | None, str | None]:
    if data.customer is not None:
        return await customers.upsert_by_email(conn, data.customer.model_dump(), now)
    if data.customer_id is not None:
        if not await customers.exists(conn, data.customer_id):
            raise invalid("customer_id", f"customer {data.customer_id} does not exist")
        return data.customer_id, await customers.organization_of(conn, data.customer_id)
    return None, None


async def _replay(
    conn: Connection, desk: Desk, data: TicketImport, *, actor: Principal, now: datetime
) -> tuple[TicketRow, Any]:
    customer_id, organization = await _customer(conn, data, now)
    snapshot = await desk.policies.for_writing(conn)
    # Created as it was then: its "created" line and first clocks stamped with created_at.
    inserted = await insert_new(
        conn,
        desk,
        data,
        subject=data.subject,
        channel=data.channel,
        customer_id=customer_id,
        organization=organization,
        external_id=data.external_id,
        opened_at=data.created_at,
        actor=actor,
        now=data.created_at,
        snapshot=snapshot,
        created={"status": "new", "imported_from": data.source},
    )
    if inserted is None:
        raise Conflict(
            f"a {data.channel} ticket with external_id {data.external_id!r} exists and was not "
            f"imported from {data.source}",
            field="external_id",
        )
    opened = inserted[0]
    note = f"imported from {data.source}"
    # Interactions before status changes of the same instant: a reply, then "resolved".
    events: list[tuple[datetime, int, int, ImportedInteraction | ImportedStatusChange]] = sorted(
        [(it.occurred_at, 0, i, it) for i, it in enumerate(data.interactions)]
        + [(c.at, 1, i, c) for i, c in enumerate(data.status_changes)],
        key=lambda e: (e[0], e[1], e[2]),
    )
    current = opened
    lines = []
    for at, _, index, event in events:
        if isinstance(event, ImportedStatusChange):
            try:
                changed, columns = status_move(current, event.status, at)
            except InvalidTransition as exc:
                raise invalid(f"status_changes[{index}].status", exc.detail) from None
            current = replace(current, **columns)
            lines += history.changes(current.id, actor, at, changed, note=note)
            continue
        row = await interaction_store.insert(
            conn,
            await new_interaction(
                conn, current, event, event.occurred_at, actor, now, caller_is_author=False
            ),
        )
        lines.append(
            history.line(
                current.id,
                actor,
                at,
                "interaction",
                new={"kind": row.kind, "direction": row.direction, "public": row.public},
                interaction_id=row.id,
                note=note,
            )
        )
        current, first = _counted(current, row)
        if first:
            lines += history.changes(
                current.id, actor, at, {"first_responded_at": (None, at)}, note=note
            )
    lines.append(
        history.line(
            current.id,
            actor,
            now,
            "imported",
            new={"source": data.source, "external_id": data.external_id},
        )
    )
    last = max([data.created_at, *(e[0] for e in events)])
    columns = {
        name: getattr(current, name)
        for name in (
            "status",
            "status_log",
            "resolved_at",
            "closed_at",
            "reopen_count",
            "interaction_count",
            "agent_reply_count",
            "customer_reply_count",
            "first_responded_at",
            "last_public_reply_at",
        )
    }
    columns |= {"updated_at": last, "version": 1 + len(events)}
    # The events leave a mirror in the final state (the ticket was announced as it opened);
    # each step is on the history already, with its own instant.
    changed = {
        name: (getattr(opened, name), value)
        for name, value in columns.items()
        if name in kinds.VALUED_FIELDS and getattr(opened, name) != value
    }
    applied = await change.apply(
        conn,
        desk,
        opened,
        change.TicketChange(
            columns=columns,
            changed=changed,
            updated=True,
            lines=lines,
            unrecorded=frozenset(changed),
            rederive=True,
        ),
        actor=actor,
        at=now,
    )
    stored, derived = applied.ticket, applied.derived
    assert derived is not None, "a rederived change derives the clocks"
    await _record_crossings(conn, stored, derived, actor=actor, at=now)
    return stored, clocks.shown(derived.policy, derived.report)


async def _record_crossings(
    conn: Connection, ticket: TicketRow, derived: clocks.Derived, *, actor: Principal, at: datetime
) -> None:
    """The SLA warnings and breaches the imported history went through, each recorded at the
    instant it happened, as the worker would have recorded them live (running clocks' are left
    to their timers). The escalation matrix does not act on them: they are the past."""
    facts = sla_events.facts_of(ticket)
    recorded = await sla_event_store.record(
        conn,
        [
            sla_events.event(facts, c.metric, c.kind, c.at, c.at)
            for c in sla_rules.crossed_before_stopping(derived.report)
        ],
    )
    await change.record(
        conn,
        [sla_events.history_line(e, actor) for e in recorded],
        [sla_events.sla_event(e) for e in recorded],
        at=at,
    )


def _counted(ticket: TicketRow, row: NewInteraction) -> tuple[TicketRow, bool]:
    """The ticket's counts and reply times after one more interaction; whether it was the
    first response. Statuses are not implied: the source's own status log is the truth."""
    changes: dict[str, Any] = {"interaction_count": ticket.interaction_count + 1}
    first = False
    if is_public_agent_reply(row):
        changes["agent_reply_count"] = ticket.agent_reply_count + 1
        if ticket.first_responded_at is None:
            changes["first_responded_at"] = row.occurred_at
            first = True
        changes["last_public_reply_at"] = row.occurred_at
    elif is_customer_message(row):
        changes["customer_reply_count"] = ticket.customer_reply_count + 1
    return replace(ticket, **changes), first


async def import_batch(
    desk: Desk, batch: TicketImportBatch, *, actor: Principal, visible: Visibility, now: datetime
) -> ImportBatchOut:
    """Each item in a transaction of its own: one refused item leaves the others imported."""
    results = []
    for index, item in enumerate(batch.items):
        try:
            done = await import_ticket(desk, item, actor=actor, visible=visible, now=now)
        except HelpdeskError as refused:
            results.append(
                ImportItemResult(
                    index=index, status=refused.status, ticket_id=None, problem=refused.problem()
                )
            )
            continue
        status = 201 if done.created else 200
        results.append(
            ImportItemResult(index=index, status=status, ticket_id=done.body["id"], problem=None)
        )
    return ImportBatchOut(
        items=results,
        imported=sum(r.status == 201 for r in results),
        existing=sum(r.status == 200 for r in results),
        refused=sum(r.status >= 400 for r in results),
    )
