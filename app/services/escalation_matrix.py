"""The escalation matrix (stored, admin-edited) and what the worker escalates on its own: SLA
warnings and breaches by the matrix, and escalations left unacknowledged past their target."""

from dataclasses import dataclass
from datetime import datetime

from app.db import Connection, connection, transaction
from app.domain import escalation as rules
from app.domain.access import EVERYTHING, SYSTEM, Principal
from app.errors import UnprocessableEntity
from app.schemas.escalations import EscalationMatrixIn, EscalationMatrixOut, EscalationMatrixRule
from app.services import history, if_match, reminders
from app.services.context import Desk
from app.services.escalations import Move, apply
from app.services.tickets import change
from app.store import escalations as store
from app.store import routing as teams
from app.store import tickets as tickets_store
from app.store.escalations import MatrixRow
from app.store.history import NewLine
from app.store.sla_events import SlaEventRow
from app.store.tickets import TicketRow
from app.store.timers import Claimed


def matrix_out(row: MatrixRow) -> EscalationMatrixOut:
    return EscalationMatrixOut(
        rules=[EscalationMatrixRule.model_validate(r) for r in row.rules],
        updated_at=row.updated_at,
        version=row.version,
    )


async def read_matrix(desk: Desk) -> EscalationMatrixOut:
    async with connection(desk.db) as conn:
        return matrix_out(await store.matrix(conn))


async def replace_matrix(
    desk: Desk, data: EscalationMatrixIn, *, expected_version: int, actor: Principal, now: datetime
) -> EscalationMatrixOut:
    """The rules, tried in order; a rule repeating an earlier condition is a 422. Applies to
    warnings and breaches the worker records from now on."""
    given = [r.model_dump() for r in data.rules]
    try:
        rules.validate_matrix(given)
    except rules.MatrixError as exc:
        raise UnprocessableEntity(
            f"rules: {exc}", errors=[{"field": "rules", "message": str(exc)}]
        ) from None
    async with transaction(desk.db) as conn:
        current = await store.matrix(conn, lock=True)
        if_match.check("the escalation matrix", current.version, expected_version)
        row = await store.replace_matrix(conn, given, max(now, current.updated_at))
    return matrix_out(row)


# ---- the worker ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where an automatic escalation goes."""

    team_id: int | None
    tier: int
    supervisor_id: int | None


async def _target(conn: Connection, ticket: TicketRow, action: rules.Action) -> Target | str:
    """Where an automatic escalation goes, or why it cannot go anywhere."""
    if action == "hierarchical":
        team = None if ticket.team_id is None else await teams.team(conn, ticket.team_id)
        if team is None:
            return "the ticket has no team, so no supervisor to escalate to"
        if team.supervisor_id is None:
            return f"team {team.id} has no supervisor to escalate to"
        if team.supervisor_id == ticket.escalated_to_id:
            return f"the ticket is escalated to supervisor {team.supervisor_id} already"
        if team.supervisor_id == ticket.assignee_id:
            return f"supervisor {team.supervisor_id} holds the ticket already"
        return Target(ticket.team_id, ticket.tier, team.supervisor_id)
    if ticket.tier >= rules.TOP_TIER:
        return f"the ticket is at the top tier ({ticket.tier}): there is no tier above"
    found = await teams.first_team_of_tier(conn, ticket.tier + 1)
    return Target(found.id if found else ticket.team_id, ticket.tier + 1, None)


def _skipped(
    ticket: TicketRow, action: str, trigger: str, cause: dict[str, int], why: str, at: datetime
) -> NewLine:
    """The history line of an automatic escalation that could not be made: the trail says so,
    and why, rather than nothing."""
    return history.line(
        ticket.id,
        SYSTEM,
        at,
        "escalation_skipped",
        field=action,
        new={**cause, "trigger": trigger},
        note=f"no {action} escalation ({trigger}): {why}",
    )


async def apply_matrix(
    conn: Connection, events: list[SlaEventRow], now: datetime, desk: Desk
) -> int:
    """In the SLA timers' transaction: escalate as the matrix says for each warning or breach
    just recorded. Once per event (escalations.sla_event_id is unique); a closed ticket is
    left as it is, and one at the top tier or without a supervisor to go to gets a history
    line saying the escalation was skipped and why."""
    if not events:
        return 0
    matrix = rules.validate_matrix((await store.matrix(conn)).rules)
    if not matrix:
        return 0
    triggered = [
        (event, rule)
        for event in events
        if event.kind in rules.SLA_KINDS and event.priority is not None
        if (rule := rules.triggered(matrix, event.priority, event.metric, event.kind))
    ]
    locked = await store.lock_tickets(conn, [event.ticket_id for event, _ in triggered])
    done = 0
    for event, rule in triggered:
        # Re-read under the lock: an earlier event of this batch may have moved the ticket.
        ticket = await tickets_store.get(conn, event.ticket_id, EVERYTHING)
        if event.ticket_id not in locked or ticket is None or ticket.status == "closed":
            continue
        trigger: rules.Trigger = "sla_warning" if event.kind == "warning" else "sla_breach"
        at = max(now, ticket.updated_at)
        target = await _target(conn, ticket, rule.action)
        if isinstance(target, str):
            cause = {"sla_event_id": event.id}
            await change.record(
                conn, [_skipped(ticket, rule.action, trigger, cause, target, at)], at=at
            )
            continue
        move = Move(
            rule.action,
            target.team_id,
            target.tier,
            rule.explain(),
            trigger=trigger,
            to_agent_id=target.supervisor_id,
            assign=True,
            sla_event_id=event.id,
        )
        done += await apply(conn, desk, ticket, move, actor=SYSTEM, at=at) is not None
    return done


async def remind_unacknowledged(
    conn: Connection, timers: list[Claimed], now: datetime, desk: Desk
) -> int:
    """The handler of `escalation_ack_reminder` timers: halfway to the acknowledgement target,
    a reminder for the receiving side of each escalation still unacknowledged."""
    waiting = await store.waiting(
        conn, [t.ticket_id for t in timers], [t.due_at for t in timers], remind=True
    )
    raised = await store.remind(conn, waiting, now)
    kind = reminders.ESCALATION_ACK
    await change.record(
        conn,
        [history.line(t, SYSTEM, now, "reminder", new={"kind": kind}) for t in raised],
        [reminders.due_event(t, kind) for t in raised],
        at=now,
    )
    return len(raised)


async def escalate_unacknowledged(
    conn: Connection, timers: list[Claimed], now: datetime, desk: Desk
) -> int:
    """The handler of `escalation_ack_overdue` timers: an escalation nobody acknowledged by its
    target goes to the receiving team's supervisor (once: overdue_escalation_id is unique)."""
    waiting = await store.waiting(
        conn, [t.ticket_id for t in timers], [t.due_at for t in timers], remind=False
    )
    locked = await store.lock_tickets(conn, [e.ticket_id for e in waiting])
    done = 0
    for overdue in waiting:
        ticket = await tickets_store.get(conn, overdue.ticket_id, EVERYTHING)
        if overdue.ticket_id not in locked or ticket is None or ticket.status == "closed":
            continue
        at = max(now, ticket.updated_at)
        team = None if ticket.team_id is None else await teams.team(conn, ticket.team_id)
        why = None
        if team is None:
            why = "the ticket has no team, so no supervisor to escalate to"
        elif team.supervisor_id is None:
            why = f"team {team.id} has no supervisor to escalate to"
        elif team.supervisor_id == overdue.to_agent_id:
            why = f"it was addressed to the team's supervisor {team.supervisor_id} already"
        if why is not None:
            cause = {"overdue_escalation_id": overdue.id}
            line = _skipped(ticket, "hierarchical", "acknowledgement_overdue", cause, why, at)
            await change.record(conn, [line], at=at)
            continue
        assert team is not None and team.supervisor_id is not None
        move = Move(
            "hierarchical",
            ticket.team_id,
            ticket.tier,
            f"escalation {overdue.id} was not acknowledged by {overdue.ack_due_at.isoformat()}"
            if overdue.ack_due_at
            else f"escalation {overdue.id} was not acknowledged",
            trigger="acknowledgement_overdue",
            to_agent_id=team.supervisor_id,
            overdue_escalation_id=overdue.id,
        )
        done += await apply(conn, desk, ticket, move, actor=SYSTEM, at=at) is not None
    return done
