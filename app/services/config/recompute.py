"""After a calendar or policy change: live tickets' clocks re-derived under the new
configuration, in bounded batches, with a history line on every ticket whose SLA moved."""

import logging
from datetime import datetime
from typing import Any

from app.db import transaction
from app.domain.access import EVERYTHING, Principal
from app.domain.lifecycle import ACTIVE
from app.services import history
from app.services.context import Desk
from app.services.tickets import change
from app.store import tickets
from app.store.errors import Busy
from app.store.tickets import TicketRow

log = logging.getLogger("helpdesk.config")

# Tickets per transaction: no transaction holds more ticket locks than this, however many
# tickets are open.
BATCH_SIZE = 200
# A batch that meets a ticket another request keeps locked past the lock timeout is tried again
# from its start (nothing of it was committed).
ATTEMPTS = 3
# What the history line shows: the policy and the due times an agent plans by.
# (key in the line → ticket column)
SHOWN = {
    "policy_id": "sla_policy_id",
    "first_response_due_at": "first_response_due_at",
    "next_update_due_at": "next_update_due_at",
    "resolution_due_at": "resolution_due_at",
}


def _shown(ticket: TicketRow) -> dict[str, Any]:
    return {key: getattr(ticket, column) for key, column in SHOWN.items()}


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


async def live_tickets(desk: Desk, *, because: str, actor: Principal, now: datetime) -> int:
    """Re-derive the clocks of every live ticket (status in ACTIVE) under the configuration as
    committed; on each whose policy or due times moved, write an "sla_recomputed" history line
    by `actor` whose note is `because`. Returns how many tickets moved.

    The configuration change has committed before this runs, and each batch of BATCH_SIZE
    tickets is its own transaction, so one edit never locks every open ticket at once. The
    price: a crash (or a lost database) midway leaves the tickets not yet reached on their old
    due times and timers until a change of what their clocks are derived from (its status,
    priority, team…) or the next configuration change. Tickets whose clocks other requests
    derive meanwhile already follow the new configuration (its revision moved when it
    committed). Resolved and closed tickets keep the due times they ended with;
    a reopen recomputes them."""
    moved = 0
    after = 0
    while True:
        ids, count = await _batch(desk, after, because=because, actor=actor, now=now)
        moved += count
        if len(ids) < BATCH_SIZE:
            return moved
        after = ids[-1]


async def _batch(
    desk: Desk, after: int, *, because: str, actor: Principal, now: datetime
) -> tuple[list[int], int]:
    for _ in range(ATTEMPTS - 1):
        try:
            return await _recompute(desk, after, because=because, actor=actor, now=now)
        except Busy:
            log.info("SLA recompute: a ticket after id %d is busy; trying again", after)
    # The last attempt's Busy reaches the admin as a 409: the change itself has committed.
    return await _recompute(desk, after, because=because, actor=actor, now=now)


async def _recompute(
    desk: Desk, after: int, *, because: str, actor: Principal, now: datetime
) -> tuple[list[int], int]:
    """The next live tickets after id `after`, recomputed in one transaction: their ids, and
    how many moved."""
    lines = []
    async with transaction(desk.db) as conn:
        ids = await tickets.live_ids_after(conn, sorted(ACTIVE), after, BATCH_SIZE)
        if not ids:
            return ids, 0
        for ticket_id in ids:
            ticket = await tickets.lock(conn, ticket_id, EVERYTHING)
            if ticket is None or ticket.status not in ACTIVE:
                continue  # resolved or gone since the ids were read
            at = max(now, ticket.updated_at)
            applied = await change.apply(
                conn, desk, ticket, change.TicketChange(rederive=True), actor=actor, at=at
            )
            settled = applied.ticket
            old, new = _shown(ticket), _shown(settled)
            if old != new:
                lines.append(
                    history.line(
                        ticket.id,
                        actor,
                        at,
                        "sla_recomputed",
                        old=_jsonable(old),
                        new=_jsonable(new),
                        note=because,
                    )
                )
        await change.record(conn, lines, at=now)
    return ids, len(lines)
