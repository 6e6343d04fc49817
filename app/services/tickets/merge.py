"""Merging tickets into one: their interactions, mail, participants and links move to the
target, each merged ticket is closed for good with a link to it, and the target's counts and
clocks are worked out again from everything it then holds. Not reversible."""

from datetime import datetime
from typing import Any

from app.db import transaction
from app.domain import events as kinds
from app.domain.access import Principal, Visibility
from app.schemas.tickets import TicketMerge
from app.services import clocks, history
from app.services.context import Desk
from app.services.tickets import change
from app.services.tickets.shapes import invalid, no_ticket, ticket_out
from app.services.tickets.update import refuse_if_closed, status_move
from app.store import links, merges, participants
from app.store import tickets as store
from app.store.tickets import TicketRow

# The counts and instants the target takes from the combined interactions.
COUNTED = (
    "interaction_count",
    "agent_reply_count",
    "customer_reply_count",
    "first_responded_at",
    "last_public_reply_at",
)


async def merge_tickets(
    desk: Desk,
    target_id: int,
    data: TicketMerge,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
) -> dict[str, Any]:
    """Merge `data.ticket_ids` into `target_id`, in one transaction; TicketMergeOut."""
    merged_ids = sorted(set(data.ticket_ids))
    if target_id in merged_ids:
        raise invalid("ticket_ids", f"ticket {target_id} cannot be merged into itself")
    async with desk.tickets.enter(target_id), transaction(desk.db) as conn:
        # Every ticket locked in id order: two merges of the same tickets in opposite
        # directions wait for each other instead of deadlocking, and the second finds the
        # first's outcome (a merged ticket: 409).
        locked: dict[int, TicketRow] = {}
        for ticket_id in sorted([target_id, *merged_ids]):
            row = await store.lock(conn, ticket_id, visible)
            if row is None:
                raise no_ticket(ticket_id)
            refuse_if_closed(row)
            locked[ticket_id] = row
        target = locked[target_id]
        merging = [locked[i] for i in merged_ids]
        at = max(now, *(t.updated_at for t in locked.values()))
        await merges.move(conn, merged_ids, target_id)
        await participants.move(conn, merged_ids, target_id)
        # A merged ticket's customer, when another than the target's, is copied on the target:
        # they keep hearing about their request, and their replies thread onto it.
        for t in merging:
            if t.customer_id is not None and t.customer_id != target.customer_id:
                await participants.insert(
                    conn,
                    target_id,
                    t.customer_id,
                    role="cc",
                    source="merge",
                    key_id=actor.key_id or None,
                    at=at,
                )
        for t in merging:
            await _close_merged(conn, desk, t, target_id, data.reason, actor=actor, at=at)
        stored, derived = await _settle_target(
            conn, desk, target, merged_ids, data.reason, actor=actor, at=at
        )
    return {
        "ticket": ticket_out(stored, clocks.shown(derived.policy, derived.report)),
        "merged_ticket_ids": merged_ids,
    }


async def _close_merged(
    conn: Any,
    desk: Desk,
    ticket: TicketRow,
    target_id: int,
    reason: str | None,
    *,
    actor: Principal,
    at: datetime,
) -> None:
    """Closed, pointing at the target: the close stops its clocks and cancels its timers."""
    changed, columns = status_move(ticket, "closed", at)
    changed["merged_into_id"] = (None, target_id)
    columns["merged_into_id"] = target_id
    await links.insert(conn, ticket.id, target_id, "merged", now=at, key_id=actor.key_id or None)
    await change.apply(
        conn,
        desk,
        ticket,
        change.TicketChange(
            columns=columns,
            changed=changed,
            lines=[
                history.line(ticket.id, actor, at, "merged", new={"into": target_id}, note=reason)
            ],
            # The link says where it went; the change's own line says it.
            unrecorded=frozenset({"merged_into_id"}),
            events=lambda stored: [
                (kinds.TICKET_MERGED, {**kinds.ticket_facts(stored), "merged_into_id": target_id})
            ],
        ),
        actor=actor,
        at=at,
    )


async def _settle_target(
    conn: Any,
    desk: Desk,
    target: TicketRow,
    merged_ids: list[int],
    reason: str | None,
    *,
    actor: Principal,
    at: datetime,
) -> tuple[TicketRow, clocks.Derived]:
    """The target's counts from the combined interactions, and its clocks derived again."""
    columns, changed = await recounted(conn, target, instants=True)
    applied = await change.apply(
        conn,
        desk,
        target,
        change.TicketChange(
            columns=columns,
            changed=changed,
            lines=[
                history.line(
                    target.id, actor, at, "merged", new={"ticket_ids": merged_ids}, note=reason
                )
            ],
            note="after merge",
            events=lambda stored: [
                (
                    kinds.TICKET_MERGED,
                    {**kinds.ticket_facts(stored), "merged_ticket_ids": merged_ids},
                )
            ],
            rederive=True,
        ),
        actor=actor,
        at=at,
    )
    assert applied.derived is not None, "a rederived change derives the clocks"
    return applied.ticket, applied.derived


async def recounted(
    conn: Any, ticket: TicketRow, *, instants: bool
) -> tuple[dict[str, Any], dict[str, tuple[Any, Any]]]:
    """The ticket's counts (with `instants`, its reply instants too) from the interactions it
    holds now, after interactions moved to or from it: the columns that differ, and history's
    (old, new) of its first response."""
    counted = await merges.counts(conn, ticket.id)
    wanted: dict[str, Any] = {
        "interaction_count": counted.interaction_count,
        "agent_reply_count": counted.agent_reply_count,
        "customer_reply_count": counted.customer_reply_count,
    }
    if instants:
        first = min(
            (t for t in (counted.first_responded_at, ticket.first_responded_at) if t is not None),
            default=None,
        )
        # A reply given on another ticket before this one was opened answered its request at
        # once: its first response cannot precede its creation.
        wanted["first_responded_at"] = None if first is None else max(first, ticket.created_at)
        wanted["last_public_reply_at"] = max(
            (
                t
                for t in (counted.last_public_reply_at, ticket.last_public_reply_at)
                if t is not None
            ),
            default=None,
        )
    columns = {k: v for k, v in wanted.items() if getattr(ticket, k) != v}
    changed = {k: (getattr(ticket, k), v) for k, v in columns.items() if k == "first_responded_at"}
    return columns, changed
