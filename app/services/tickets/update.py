"""Changing a ticket with If-Match: fields, priority, status; its history and clocks follow."""

from datetime import datetime
from typing import Any

from app.db import Connection, transaction
from app.domain import lifecycle
from app.domain.access import Principal, Visibility
from app.domain.priority import decide_priority
from app.errors import InvalidTransition
from app.schemas import TicketUpdate
from app.services import clocks, escalations, if_match
from app.services.context import Desk
from app.services.tickets import change
from app.services.tickets.create import check_assignee, team_tier
from app.services.tickets.shapes import (
    invalid,
    no_ticket,
    refuse_if_merged,
    ticket_out,
    unique_tags,
)
from app.store import customers
from app.store import tickets as store
from app.store.tickets import TicketRow

# Fields a PATCH copies onto the ticket as they are; the others have rules of their own.
PLAIN_FIELDS = (
    "subject",
    "description",
    "category",
    "tags",
    "channel",
    "customer_id",
    "team_id",
    "assignee_id",
    "tier",
    "language",
    "product",
    "model_number",
    "serial_number",
    "account_number",
    "equipment_location",
)
# Fields a PATCH may set but not clear.
Changes = dict[str, tuple[Any, Any]]


def refuse_if_closed(ticket: TicketRow) -> None:
    """`closed` is final for every write; a merged ticket's refusal names the ticket it was
    merged into, where the write belongs."""
    refuse_if_merged(ticket)
    if ticket.status == "closed":
        raise InvalidTransition(
            f"ticket {ticket.id} is closed, and a closed ticket takes no more changes; "
            "open a new ticket and link it",
            current="closed",
            allowed=[],
        )


async def update_ticket(
    desk: Desk,
    ticket_id: int,
    data: TicketUpdate,
    *,
    expected_version: int,
    actor: Principal,
    visible: Visibility,
    now: datetime,
) -> dict[str, Any]:
    given = data.model_dump(exclude_unset=True)
    async with desk.tickets.enter(ticket_id):
        return await _update(
            desk, ticket_id, given, expected_version, actor=actor, visible=visible, now=now
        )


async def _update(
    desk: Desk,
    ticket_id: int,
    given: dict[str, Any],
    expected_version: int,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
) -> dict[str, Any]:
    async with transaction(desk.db) as conn:
        locked = await store.lock_for_change(conn, ticket_id, visible)
        if locked is None:
            raise no_ticket(ticket_id)
        ticket = locked.ticket
        if_match.check(f"ticket {ticket_id}", ticket.version, expected_version)
        refuse_if_closed(ticket)
        at = max(now, ticket.updated_at)  # after the lock: history never runs backwards
        snapshot = await desk.policies.for_writing(conn, locked.revision)
        await _check_references(conn, ticket, given)
        changed: Changes = {}
        for field in PLAIN_FIELDS:
            if field in given:
                value = unique_tags(given[field]) if field == "tags" else given[field]
                if getattr(ticket, field) != value:
                    changed[field] = (getattr(ticket, field), value)
        changed |= _priority(ticket, given, snapshot.matrix)
        columns = {field: new for field, (_, new) in changed.items()}
        if "status" in given and given["status"] != ticket.status:
            status_changes, status_columns = status_move(ticket, given["status"], at)
            changed |= status_changes
            columns |= status_columns
        if not changed:
            return ticket_out(ticket, clocks.view(ticket, snapshot.book, now))
        # ---- a team change is on the escalation trail (a transfer…); a first team set by
        # hand is routing, as a rule's would be, not a move between teams.
        moved = None
        if "team_id" in changed and ticket.team_id is not None:
            moved = await escalations.team_changed(conn, desk, ticket, columns, actor=actor, at=at)
            columns |= moved.columns
        applied = await change.apply(
            conn,
            desk,
            ticket,
            change.TicketChange(
                columns=columns,
                changed=changed,
                updated=True,
                lines=moved.lines if moved else (),
                # The override's reason is a column of its own, not a line of history.
                unrecorded=frozenset({"priority_override_reason"}),
                events=moved.events if moved else None,
            ),
            actor=actor,
            at=at,
            locked=locked,
        )
        stored, derived = applied.ticket, applied.derived
        if derived is None:  # nothing the clocks are derived from moved
            return ticket_out(stored, clocks.view(stored, snapshot.book, at))
        return ticket_out(stored, clocks.shown(derived.policy, derived.report))


async def _check_references(conn: Connection, ticket: TicketRow, given: dict[str, Any]) -> None:
    if given.get("customer_id") is not None and not await customers.exists(
        conn, given["customer_id"]
    ):
        raise invalid("customer_id", f"customer {given['customer_id']} does not exist")
    if "team_id" in given and given["team_id"] != ticket.team_id:
        given.setdefault("tier", await team_tier(conn, given["team_id"]))
    if given.get("assignee_id") is not None and given["assignee_id"] != ticket.assignee_id:
        await check_assignee(conn, given["assignee_id"])


def _priority(
    ticket: TicketRow, given: dict[str, Any], matrix: dict[str, dict[str, str]]
) -> Changes:
    """Impact, urgency, type and a manual override all feed one decision, explained in the reason."""
    changed: Changes = {}
    triage = {f: getattr(ticket, f) for f in ("impact", "urgency", "type")}
    for field in triage:
        if given.get(field) is not None and given[field] != triage[field]:
            changed[field] = (triage[field], given[field])
            triage[field] = given[field]
    override, reason = ticket.priority_override, ticket.priority_override_reason
    if given.get("clear_priority_override"):
        override, reason = None, None
    if given.get("priority") is not None:
        if not given.get("priority_reason"):
            raise invalid("priority_reason", "required when setting the priority by hand")
        override, reason = given["priority"], given["priority_reason"]
    decision = decide_priority(
        impact=triage["impact"],
        urgency=triage["urgency"],
        ticket_type=triage["type"],
        matrix=matrix,
        override=override,
        override_reason=reason,
    )
    if override != ticket.priority_override or reason != ticket.priority_override_reason:
        changed["priority_override"] = (ticket.priority_override, override)
        changed["priority_override_reason"] = (ticket.priority_override_reason, reason)
    if decision.priority != ticket.priority:
        changed["priority"] = (ticket.priority, decision.priority)
    if decision.reason != ticket.priority_reason:
        changed["priority_reason"] = (ticket.priority_reason, decision.reason)
    return changed


def status_move(ticket: TicketRow, target: str, at: datetime) -> tuple[Changes, dict[str, Any]]:
    """What moving the ticket to `target` at `at` changes: history's (old, new) pairs, and the
    columns to store (the status log included)."""
    try:
        move = lifecycle.transition(ticket.status, target)  # type: ignore[arg-type]
    except lifecycle.TransitionError as exc:
        raise InvalidTransition(
            str(exc), current=exc.current, requested=exc.target, allowed=exc.allowed
        ) from None
    changed: Changes = {"status": (ticket.status, target)}
    columns: dict[str, Any] = {
        "status": target,
        "status_log": clocks.with_status(ticket, target, at),
    }
    if move.is_reopen:
        changed["reopen_count"] = (ticket.reopen_count, ticket.reopen_count + 1)
        columns["reopen_count"] = ticket.reopen_count + 1
        columns["resolved_at"] = None
    if move.resolves:
        columns["resolved_at"] = at
    if move.closes:
        columns["closed_at"] = at
    return changed, columns
