"""Escalations: up a tier (functional), to a supervisor (hierarchical), across (transfer) and
down (de-escalation); each with its trail, internal note, history and acknowledgement."""

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from app.db import Connection, connection, transaction
from app.domain import escalation as rules
from app.domain.access import SYSTEM, Principal, Visibility
from app.domain.events import ESCALATION_CREATED, escalation_facts
from app.domain.sla import TimerSpec
from app.errors import Conflict, Forbidden, NotFound, UnprocessableEntity
from app.schemas import Page
from app.schemas.escalations import (
    DeescalationCreate,
    EscalationCreate,
    EscalationListQuery,
    EscalationOut,
    TicketEscalationListQuery,
)
from app.services import assignment, audit, history, idempotency, timers
from app.services.context import Desk
from app.services.idempotency import Written
from app.services.reminders import close_acknowledged
from app.services.tickets import change
from app.services.tickets.shapes import no_ticket, refuse_if_merged
from app.store import escalations as store
from app.store import interactions
from app.store import routing as teams
from app.store import tickets as tickets_store
from app.store.escalations import EscalationFilters, EscalationRow, NewEscalation
from app.store.history import NewLine
from app.store.interactions import NewInteraction
from app.store.tickets import TicketRow

_TICKET_FIELDS = frozenset(f.name for f in fields(TicketRow))
ACK_REMINDER, ACK_OVERDUE = timers.ACK_REMINDER, timers.ACK_OVERDUE
SUPERVISING_ROLES = ("admin", "supervisor")
_ACTIONS = {
    "functional": "escalated",
    "hierarchical": "escalated",
    "transfer": "transferred",
    "deescalation": "deescalated",
}


@dataclass(frozen=True)
class Move:
    """Where a ticket goes, and why: what `apply` records and does."""

    kind: rules.Kind
    to_team_id: int | None
    to_tier: int
    reason: str
    trigger: rules.Trigger = "manual"
    to_agent_id: int | None = None  # hierarchical: the supervisor
    assign: bool = False  # functional: assign in the new team by its strategy (else clear)
    sla_event_id: int | None = None
    overdue_escalation_id: int | None = None


def refused(exc: rules.EscalationRefused) -> Conflict:
    return Conflict(str(exc))


def out(row: EscalationRow) -> EscalationOut:
    waited = None
    if row.acknowledged_at is not None:
        waited = int((row.acknowledged_at - row.created_at).total_seconds())
    return EscalationOut(
        id=row.id,
        ticket_id=row.ticket_id,
        kind=row.kind,  # type: ignore[arg-type]
        trigger=row.trigger,  # type: ignore[arg-type]
        from_team_id=row.from_team_id,
        to_team_id=row.to_team_id,
        from_tier=row.from_tier,
        to_tier=row.to_tier,
        from_agent_id=row.from_agent_id,
        to_agent_id=row.to_agent_id,
        reason=row.reason,
        actor_name=row.actor_name,
        created_at=row.created_at,
        acknowledgement_due_at=row.ack_due_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by_name,
        seconds_to_acknowledge=waited,
        sla_event_id=row.sla_event_id,
    )


def _note(ticket: TicketRow, move: Move, row: NewEscalation) -> str:
    what = {
        "functional": "Functional escalation",
        "hierarchical": "Hierarchical escalation",
        "transfer": "Transfer",
        "deescalation": "De-escalation",
    }[move.kind]
    where = f"tier {row.from_tier} → {row.to_tier}, team {row.from_team_id} → {row.to_team_id}"
    if move.kind == "hierarchical":
        where = f"to supervisor {row.to_agent_id}"
    return f"{what} ({move.trigger}), {where}: {move.reason}"


def _note_of(
    ticket: TicketRow, move: Move, row: NewEscalation, actor: Principal, at: datetime
) -> NewInteraction:
    """The internal note that records a move on the ticket."""
    return NewInteraction(
        ticket_id=ticket.id,
        kind="note",
        direction="internal",
        public=False,
        author_type="system" if actor is SYSTEM else "agent",
        author_agent_id=actor.agent_id,
        author_customer_id=None,
        author_name=actor.name,
        body=_note(ticket, move, row),
        occurred_at=at,
        duration_seconds=None,
        external_id=None,
        created_at=at,
        created_by_key_id=actor.key_id or None,
    )


async def apply(
    conn: Connection,
    desk: Desk,
    ticket: TicketRow,
    move: Move,
    *,
    actor: Principal,
    at: datetime,
) -> EscalationRow | None:
    """Record `move` on the locked `ticket` and make it: the escalation row, an internal note,
    history lines, the ticket's new team/tier/assignee with its clocks, and the acknowledgement
    timers. None (and nothing written) when its cause was escalated already."""
    assignee = ticket.assignee_id
    if (
        move.kind in ("functional", "transfer", "deescalation")
        and move.to_team_id != ticket.team_id
    ):
        assignee = None
        if move.assign and move.to_team_id is not None:
            assignee = await assignment.assign(conn, move.to_team_id, ticket.language)
    acknowledged = move.kind in rules.ACKNOWLEDGED_KINDS
    remind_at, due_at = rules.acknowledgement_times(at, desk.settings.escalation_ack_target_seconds)
    new = NewEscalation(
        ticket_id=ticket.id,
        kind=move.kind,
        from_team_id=ticket.team_id,
        to_team_id=move.to_team_id,
        from_tier=ticket.tier,
        to_tier=move.to_tier,
        from_agent_id=ticket.assignee_id,
        to_agent_id=move.to_agent_id if move.kind == "hierarchical" else assignee,
        reason=move.reason,
        trigger=move.trigger,
        actor_key_id=actor.key_id or None,
        actor_agent_id=actor.agent_id,
        actor_name=actor.name,
        created_at=at,
        ack_remind_at=remind_at if acknowledged else None,
        ack_due_at=due_at if acknowledged else None,
        sla_event_id=move.sla_event_id,
        overdue_escalation_id=move.overdue_escalation_id,
    )
    row = await store.insert(conn, new)
    if row is None:
        return None
    note = await interactions.insert(conn, _note_of(ticket, move, new, actor, at))
    columns: dict[str, Any] = {
        "team_id": move.to_team_id,
        "tier": move.to_tier,
        "assignee_id": assignee,
        "escalated_to_id": (
            move.to_agent_id
            if move.kind == "hierarchical"
            else None
            if move.kind == "deescalation"
            else ticket.escalated_to_id
        ),
    }
    changed = {k: (getattr(ticket, k), v) for k, v in columns.items() if getattr(ticket, k) != v}
    columns |= {
        "routed_by_rule_id": None,
        "routing_reason": f"{move.kind} {row.id} ({move.trigger}): {move.reason}",
        "interaction_count": ticket.interaction_count + 1,
    }
    await change.apply(
        conn,
        desk,
        ticket,
        change.TicketChange(
            columns=columns,
            changed=changed,
            lines=[
                history.line(
                    ticket.id,
                    actor,
                    at,
                    _ACTIONS[move.kind],
                    field=move.kind,
                    new={"escalation_id": row.id, "trigger": move.trigger},
                    interaction_id=note.id,
                    note=move.reason,
                )
            ],
            note=f"{move.kind} {row.id}",
            # The escalation, then the assignment it changed, if it did.
            events=lambda stored: [(ESCALATION_CREATED, escalation_facts(row, stored))],
        ),
        actor=actor,
        at=at,
    )
    if acknowledged:
        await timers.schedule(
            conn,
            ticket.id,
            [TimerSpec(ACK_REMINDER, remind_at), TimerSpec(ACK_OVERDUE, due_at)],
            now=at,
            wake_within=desk.settings.worker_max_sleep_seconds,
        )
    return row


# ---- the moves a caller asks for -----------------------------------------------------------------


async def _team(conn: Connection, team_id: int, field: str = "to_team_id") -> teams.TeamFacts:
    team = await teams.team(conn, team_id)
    if team is None:
        raise UnprocessableEntity(
            f"team {team_id} does not exist", errors=[{"field": field, "message": "unknown id"}]
        )
    return team


async def _supervisor(conn: Connection, agent_id: int) -> int:
    found = await teams.agent_role(conn, agent_id)
    if found is None:
        raise UnprocessableEntity(
            f"agent {agent_id} does not exist",
            errors=[{"field": "to_agent_id", "message": "unknown id"}],
        )
    role, active = found
    if not active or role not in SUPERVISING_ROLES:
        raise Conflict(
            f"agent {agent_id} is not an active supervisor: a hierarchical escalation goes to "
            "a supervisor (or an admin)"
        )
    return agent_id


async def plan(conn: Connection, ticket: TicketRow, data: EscalationCreate) -> Move:
    """What an asked-for escalation does to `ticket`; 409 naming why it cannot."""
    try:
        if data.kind == "hierarchical":
            if data.to_team_id is not None:
                raise rules.EscalationRefused(
                    "a hierarchical escalation stays in the team: give to_agent_id, not to_team_id"
                )
            if data.to_agent_id is not None:
                to_agent = await _supervisor(conn, data.to_agent_id)
            else:
                team = None if ticket.team_id is None else await teams.team(conn, ticket.team_id)
                if team is None or team.supervisor_id is None:
                    raise rules.EscalationRefused(
                        "the ticket's team has no supervisor: name one with to_agent_id"
                    )
                to_agent = team.supervisor_id
            if to_agent == ticket.assignee_id:
                raise UnprocessableEntity(
                    f"agent {to_agent} holds ticket {ticket.id} already: a hierarchical "
                    "escalation goes to another supervisor",
                    errors=[{"field": "to_agent_id", "message": "holds the ticket already"}],
                )
            return Move(
                "hierarchical", ticket.team_id, ticket.tier, data.reason, to_agent_id=to_agent
            )
        if data.to_agent_id is not None:
            raise rules.EscalationRefused(f"a {data.kind} moves the team: give to_team_id")
        if data.kind == "transfer":
            if data.to_team_id is None:
                raise rules.EscalationRefused("a transfer names the team it goes to: to_team_id")
            team = await _team(conn, data.to_team_id)
            rules.check_transfer(ticket.tier, team.tier)
            if team.id == ticket.team_id:
                raise rules.EscalationRefused(f"the ticket is in team {team.id} already")
            return Move("transfer", team.id, team.tier, data.reason, assign=True)
        if data.to_team_id is not None:
            team = await _team(conn, data.to_team_id)
            rules.check_functional(ticket.tier, team.tier)
            return Move("functional", team.id, team.tier, data.reason, assign=True)
        tier = rules.next_tier(ticket.tier)
        found = await teams.first_team_of_tier(conn, tier)
        to_team = found.id if found is not None else ticket.team_id
        return Move("functional", to_team, tier, data.reason, assign=True)
    except rules.EscalationRefused as exc:
        raise refused(exc) from None


async def _locked(conn: Connection, ticket_id: int, visible: Visibility) -> TicketRow:
    ticket = await tickets_store.lock(conn, ticket_id, visible)
    if ticket is None:
        raise no_ticket(ticket_id)
    refuse_if_merged(ticket)
    if ticket.status == "closed":
        raise Conflict(f"ticket {ticket_id} is closed: a closed ticket is not escalated or moved")
    return ticket


async def escalate(
    desk: Desk,
    ticket_id: int,
    data: EscalationCreate,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
    idempotency_key: str | None,
) -> Written[EscalationOut]:
    async def work(conn: Connection) -> Written[EscalationOut]:
        ticket = await _locked(conn, ticket_id, visible)
        move = await plan(conn, ticket, data)
        row = await apply(conn, desk, ticket, move, actor=actor, at=max(now, ticket.updated_at))
        assert row is not None  # a manual escalation has no cause to repeat
        return Written(out(row))

    async with desk.tickets.enter(ticket_id):
        return await idempotency.run(
            desk, actor, idempotency_key, "escalations.create", data, work, now=now
        )


async def deescalate(
    desk: Desk,
    ticket_id: int,
    data: DeescalationCreate,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
    idempotency_key: str | None,
) -> Written[EscalationOut]:
    """Back to a lower tier: the team named, else the one the ticket was escalated from."""

    async def work(conn: Connection) -> Written[EscalationOut]:
        ticket = await _locked(conn, ticket_id, visible)
        try:
            tier = rules.lower_tier(ticket.tier, data.to_tier)
            if data.to_team_id is not None:
                team = await _team(conn, data.to_team_id)
                if team.tier != tier:
                    raise rules.EscalationRefused(
                        f"team {team.id} is of tier {team.tier}, not the tier {tier} asked for"
                    )
                to_team = team.id
            else:
                to_team = await _came_from(conn, ticket, tier)
        except rules.EscalationRefused as exc:
            raise refused(exc) from None
        move = Move("deescalation", to_team, tier, data.reason, assign=True)
        row = await apply(conn, desk, ticket, move, actor=actor, at=max(now, ticket.updated_at))
        assert row is not None
        return Written(out(row))

    async with desk.tickets.enter(ticket_id):
        return await idempotency.run(
            desk, actor, idempotency_key, "escalations.deescalate", data, work, now=now
        )


async def _came_from(conn: Connection, ticket: TicketRow, tier: int) -> int | None:
    """The team the ticket was last escalated from at `tier`; else its own team."""
    trail, _ = await store.page(
        conn, EscalationFilters(ticket_id=ticket.id, kind="functional"), limit=50, cursor=None
    )
    for row in trail:  # newest first
        if row.from_tier == tier:
            return row.from_team_id
    return ticket.team_id


@dataclass(frozen=True)
class TeamMove:
    """What a PATCH's team change adds to the PATCH's own change (app/services/tickets/change)."""

    columns: dict[str, Any]
    lines: tuple[NewLine, ...]
    events: Callable[[TicketRow], list[tuple[str, dict[str, Any]]]]


async def team_changed(
    conn: Connection,
    desk: Desk,
    ticket: TicketRow,
    columns: dict[str, Any],
    *,
    actor: Principal,
    at: datetime,
) -> TeamMove:
    """A PATCH moves the ticket to another team (`columns`: what the PATCH changes), in the
    PATCH's transaction, recorded as a move by POST is: on the trail as a transfer (same tier),
    functional escalation (higher, with its acknowledgement timers) or de-escalation (lower),
    naming the assignee the ticket has after it; an internal note and a history line; the
    routing columns (and the note's count), the line and the event to add to the PATCH's."""
    new_team_id, new_tier = columns["team_id"], columns.get("tier", ticket.tier)
    kind = rules.kind_of_move(ticket.tier, new_tier)
    acknowledged = kind in rules.ACKNOWLEDGED_KINDS
    remind_at, due_at = rules.acknowledgement_times(at, desk.settings.escalation_ack_target_seconds)
    move = Move(kind, new_team_id, new_tier, "team changed by PATCH")
    new = NewEscalation(
        ticket_id=ticket.id,
        kind=kind,
        from_team_id=ticket.team_id,
        to_team_id=new_team_id,
        from_tier=ticket.tier,
        to_tier=new_tier,
        from_agent_id=ticket.assignee_id,
        to_agent_id=columns.get("assignee_id", ticket.assignee_id),
        reason=move.reason,
        trigger="manual",
        actor_key_id=actor.key_id or None,
        actor_agent_id=actor.agent_id,
        actor_name=actor.name,
        created_at=at,
        ack_remind_at=remind_at if acknowledged else None,
        ack_due_at=due_at if acknowledged else None,
    )
    row = await store.insert(conn, new)
    assert row is not None
    note = await interactions.insert(conn, _note_of(ticket, move, new, actor, at))
    line = history.line(
        ticket.id,
        actor,
        at,
        _ACTIONS[kind],
        field=kind,
        new={"escalation_id": row.id, "trigger": "manual"},
        interaction_id=note.id,
        note=move.reason,
    )
    if acknowledged:
        await timers.schedule(
            conn,
            ticket.id,
            [TimerSpec(ACK_REMINDER, remind_at), TimerSpec(ACK_OVERDUE, due_at)],
            now=at,
            wake_within=desk.settings.worker_max_sleep_seconds,
        )
    return TeamMove(
        columns={
            "routed_by_rule_id": None,
            "routing_reason": f"{kind} {row.id} (manual): team changed by PATCH",
            "interaction_count": ticket.interaction_count + 1,
        },
        lines=(line,),
        events=lambda stored: [(ESCALATION_CREATED, escalation_facts(row, stored))],
    )


# ---- acknowledgement ---------------------------------------------------------------------------


def _acknowledgement_refusal(row: EscalationRow, actor: Principal) -> str | None:
    """Why `actor` may not acknowledge the hierarchical escalation `row`, or None: it is
    addressed to one supervisor, who takes it over; an admin may stand in for them."""
    if actor.role not in SUPERVISING_ROLES:
        return "supervisors (or admins), not agents, acknowledge hierarchical escalations"
    if actor.role == "admin" or row.to_agent_id is None or actor.agent_id == row.to_agent_id:
        return None
    return (
        f"escalation {row.id} is addressed to supervisor {row.to_agent_id}: only they "
        "(or an admin) acknowledge it"
    )


async def acknowledge(
    desk: Desk, escalation_id: int, *, actor: Principal, visible: Visibility, now: datetime
) -> EscalationOut:
    """The receiving side takes the escalation over; the time it took is kept."""
    async with transaction(desk.db) as conn:
        row = await store.lock(conn, escalation_id)
        ticket = None if row is None else await tickets_store.get(conn, row.ticket_id, visible)
        if row is None or ticket is None:
            raise NotFound(f"escalation {escalation_id} does not exist")
        if row.kind not in rules.ACKNOWLEDGED_KINDS:
            raise Conflict(f"a {row.kind} is not acknowledged; only escalations up are")
        if row.acknowledged_at is not None:
            raise Conflict(
                f"escalation {escalation_id} was acknowledged at {row.acknowledged_at.isoformat()}"
                f" by {row.acknowledged_by_name}"
            )
        if row.kind == "hierarchical":
            refusal = _acknowledgement_refusal(row, actor)
            if refusal is not None:
                raise Forbidden(refusal)
        at = max(now, row.created_at)
        row = await store.acknowledge(conn, row.id, at, actor.key_id or None, actor.name)
        await close_acknowledged(conn, row.ticket_id, row.ack_due_at, at)
        await change.record(
            conn,
            [
                history.line(
                    row.ticket_id,
                    actor,
                    at,
                    "escalation_acknowledged",
                    field=row.kind,
                    new={"escalation_id": row.id, "seconds": out(row).seconds_to_acknowledge},
                )
            ],
            at=at,
        )
    return out(row)


# ---- reads -------------------------------------------------------------------------------------


async def list_for_ticket(
    desk: Desk, ticket_id: int, query: TicketEscalationListQuery, *, visible: Visibility
) -> Page[EscalationOut]:
    """The ticket's trail, oldest first."""
    async with connection(desk.db) as conn:
        if not await tickets_store.exists(conn, ticket_id, visible):
            raise no_ticket(ticket_id)
        rows, next_cursor = await store.page(
            conn,
            EscalationFilters(ticket_id=ticket_id),
            limit=query.limit,
            cursor=query.cursor,
            oldest_first=True,
        )
        await audit.listed(desk, conn, "escalations", ticket_id=ticket_id)
    return Page[EscalationOut](items=[out(r) for r in rows], next_cursor=next_cursor)


async def list_escalations(
    desk: Desk, query: EscalationListQuery, *, visible: Visibility
) -> Page[EscalationOut]:
    """Newest first, or in commit order to follow (`order=commit`); those of visible tickets."""
    filters = EscalationFilters(
        ticket_id=query.ticket_id,
        kind=query.kind,
        trigger=query.trigger,
        team_id=query.team_id,
        to_agent_id=query.to_agent_id,
        acknowledged=query.acknowledged,
        since=query.since,
        until=query.until,
    )
    read = store.feed if query.order == "commit" else store.page
    async with connection(desk.db) as conn:
        rows, next_cursor = await read(
            conn, filters, limit=query.limit, cursor=query.cursor, visible=visible
        )
        await audit.listed(desk, conn, "escalations", ticket_id=query.ticket_id)
    return Page[EscalationOut](items=[out(r) for r in rows], next_cursor=next_cursor)
