"""Creating a ticket: idempotent by Idempotency-Key and by a gateway's external id."""

from dataclasses import replace
from datetime import datetime
from typing import Any

from app.db import Connection, begun, connection
from app.domain import events
from app.domain.access import Principal, Visibility
from app.domain.priority import decide_priority
from app.errors import Conflict, Forbidden
from app.logs import acting
from app.schemas import TicketCreate, TicketSplit
from app.services import assignment, clocks, history, idempotency, outbox, timers
from app.services.assignment import Placement
from app.services.context import Desk
from app.services.idempotency import Written
from app.services.policies import Snapshot
from app.services.tickets.shapes import CLOCK_SKEW, invalid, ticket_out, unique_tags
from app.store import agents, customers, teams
from app.store import tickets as store
from app.store.tickets import CreatedLine, NewTicket, TicketRow


async def create_ticket(
    desk: Desk,
    data: TicketCreate,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
    idempotency_key: str | None,
) -> Written[dict[str, Any]]:
    """The new ticket; or, when its channel's `external_id` was seen before, the existing one
    (created=False).

    The busiest write: reads first (the customer with the configuration revision; the team and
    assignee when given), then one statement inserting the ticket, its "created" history line,
    its timers and its `ticket.created` event: two round trips for a known customer. A new
    customer is written in one transaction with the ticket."""
    if data.created_at is not None:
        refusal = actor.refusal("import_history")
        if refusal is not None:
            raise Forbidden(f"created_at: {refusal}")
        if data.created_at > now + CLOCK_SKEW:
            raise invalid("created_at", "must not be in the future")
    if data.customer_id is not None and data.customer is not None:
        raise invalid("customer", "give customer_id or customer, not both")
    if data.priority is not None and data.priority_reason is None:
        # Before routing, which already weighs the priority a rule may match on.
        raise invalid("priority_reason", "required when setting the priority by hand")
    if idempotency_key is not None:
        return await idempotency.run(
            desk,
            actor,
            idempotency_key,
            "tickets.create",
            data,
            lambda conn: create_on(conn, desk, data, actor=actor, visible=visible, now=now),
            now=now,
        )
    # No transaction: the ticket with everything it implies is one statement (store.insert),
    # and what must be written before it opens one of its own (begun).
    async with connection(desk.db, tell_acting=False) as conn:
        return await create_on(conn, desk, data, actor=actor, visible=visible, now=now)


async def create_on(
    conn: Connection,
    desk: Desk,
    data: TicketCreate,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
) -> Written[dict[str, Any]]:
    """`create_ticket`'s work on `conn`, in the caller's transaction if it has one (its checks
    of the request done)."""
    if data.external_id is not None:
        existing = await store.by_external_id(conn, data.channel, data.external_id)
        if existing is not None:
            return await _existing(conn, desk, existing, visible, now)
    if data.customer is not None:
        revision, customer_id, organization = await customers.revision_and_customer(
            conn, email=data.customer.email
        )
        if customer_id is None:
            # A customer not seen before is written first, in one transaction with the ticket
            # (a savepoint under an idempotent request's): the policy is then chosen with the
            # organization stored, which a concurrent request may have set a moment ago.
            async with begun(conn):
                customer_id, organization = await customers.upsert_by_email(
                    conn, data.customer.model_dump(), now
                )
                return await _create_for(
                    conn,
                    desk,
                    data,
                    customer_id,
                    organization,
                    revision,
                    actor=actor,
                    visible=visible,
                    now=now,
                )
    elif data.customer_id is not None:
        revision, customer_id, organization = await customers.revision_and_customer(
            conn, customer_id=data.customer_id
        )
        if customer_id is None:
            raise invalid("customer_id", f"customer {data.customer_id} does not exist")
    else:
        revision, customer_id, organization = None, None, None
    return await _create_for(
        conn, desk, data, customer_id, organization, revision, actor=actor, visible=visible, now=now
    )


async def _existing(
    conn: Connection, desk: Desk, ticket: TicketRow, visible: Visibility, now: datetime
) -> Written[dict[str, Any]]:
    if not await store.exists(conn, ticket.id, visible):
        # Someone else's ticket has this gateway id: say so without showing it.
        raise Conflict(
            f"a {ticket.channel} ticket with this external_id exists and is not yours to see",
            field="external_id",
        )
    book = (await desk.policies.for_writing(conn)).book
    return Written(ticket_out(ticket, clocks.view(ticket, book, now)), created=False)


async def _create_for(
    conn: Connection,
    desk: Desk,
    data: TicketCreate,
    customer_id: int | None,
    organization: str | None,
    revision: int | None,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
) -> Written[dict[str, Any]]:
    snapshot = await desk.policies.for_writing(conn, revision)
    # ---- routing: a ticket without a team is routed; its team may assign it ----
    async with assignment.placing(conn, desk, data, organization, snapshot) as placed:
        inserted = await insert_new(
            conn,
            desk,
            data,
            subject=data.subject,
            channel=data.channel,
            customer_id=customer_id,
            organization=organization,
            external_id=data.external_id,
            opened_at=data.created_at or now,
            actor=actor,
            now=now,
            snapshot=snapshot,
            created={"status": "new"},
            placed=placed,
        )
    if inserted is None:
        # A concurrent request with the same external id won: its ticket is the answer.
        assert data.external_id is not None
        existing = await store.by_external_id(conn, data.channel, data.external_id)
        assert existing is not None
        return await _existing(conn, desk, existing, visible, now)
    return Written(ticket_out(*inserted))


async def insert_new(
    conn: Connection,
    desk: Desk,
    fields: TicketCreate | TicketSplit,
    *,
    subject: str,
    channel: str,
    customer_id: int | None,
    organization: str | None,
    external_id: str | None,
    opened_at: datetime,
    actor: Principal,
    now: datetime,
    snapshot: Snapshot,
    created: dict[str, Any],
    placed: Placement | None = None,
) -> tuple[TicketRow, dict[str, Any]] | None:
    """Insert a new ticket with its clocks, timers and "created" history line: the ticket and
    its clocks as shown; None when its (channel, external_id) is already taken."""
    # Routing: the team, tier and assignee routing and assignment chose, and why.
    team_id, assignee_id = fields.team_id, fields.assignee_id
    if placed is not None:
        team_id, assignee_id = placed.team_id, placed.assignee_id or assignee_id
        created = {**created, **placed.history()}
    # 422 for an unknown team, tier given or not (placing knows the team's tier already)
    known_tier = placed.team_tier if placed and placed.team_tier else await team_tier(conn, team_id)
    tier = (placed and placed.tier) or fields.tier or known_tier
    await check_assignee(conn, fields.assignee_id)
    override = getattr(fields, "priority", None)
    override_reason = getattr(fields, "priority_reason", None)
    decision = decide_priority(
        impact=fields.impact,
        urgency=fields.urgency,
        ticket_type=fields.type,
        matrix=snapshot.matrix,
        override=override,
        override_reason=override_reason,
    )
    ticket = NewTicket(
        subject=subject,
        description=fields.description,
        type=fields.type,
        status="new",
        impact=fields.impact,
        urgency=fields.urgency,
        priority=decision.priority,
        priority_reason=decision.reason,
        priority_override=override,
        priority_override_reason=override_reason if override else None,
        category=fields.category,
        tags=unique_tags(fields.tags),
        channel=channel,
        customer_id=customer_id,
        team_id=team_id,
        assignee_id=assignee_id,
        tier=tier,
        language=fields.language,
        external_id=external_id,
        product=fields.product,
        model_number=fields.model_number,
        serial_number=fields.serial_number,
        account_number=fields.account_number,
        equipment_location=fields.equipment_location,
        created_at=opened_at,
        updated_at=opened_at,
        first_responded_at=None,
        last_public_reply_at=None,
        resolved_at=None,
        closed_at=None,
        reopen_count=0,
        agent_reply_count=0,
        customer_reply_count=0,
        interaction_count=0,
        created_by_key_id=actor.key_id or None,
        version=1,
        status_log=[[opened_at.isoformat(), "new"]],
        sla_policy_id=None,
        first_response_due_at=None,
        next_update_due_at=None,
        resolution_due_at=None,
        sla_due_at=None,
        sla_warning_at=None,
        sla_paused=False,
        sla_breached=False,
        routed_by_rule_id=placed.rule_id if placed else None,
        routing_reason=placed.reason if placed else None,
    )
    derived = clocks.derive(
        ticket, snapshot.book, now, organization=organization, settings=desk.settings
    )
    # Its id is the insert's to give; until then it is 0.
    pending = TicketRow(**{**_values(ticket), **derived.columns}, id=0)
    due = [t.due_at for t in derived.timers]
    wake = timers.wake_payload(due, now, desk.settings.worker_max_sleep_seconds)
    line = history.line(0, actor, now, "created", new={**created, "priority": decision.priority})
    ticket_id = await store.insert(
        conn,
        pending,
        CreatedLine(line.at, line.new_value, line.actor_type, line.actor_key_id, line.actor_name),
        [(t.kind, t.due_at) for t in derived.timers],
        outbox.of_new_ticket(events.TICKET_CREATED, pending, now),
        wake=(timers.TIMERS_CHANNEL, wake) if wake else None,
        # Said again by the statement itself: a create needs no transaction around it.
        acting=acting(),
    )
    if ticket_id is None:
        return None
    return replace(pending, id=ticket_id), clocks.shown(derived.policy, derived.report)


def _values(ticket: NewTicket) -> dict[str, Any]:
    return {name: getattr(ticket, name) for name in store.NEW_COLUMNS}


async def team_tier(conn: Connection, team_id: int | None) -> int:
    """The tier a ticket of this team starts at (1 without a team); 422 for an unknown team."""
    if team_id is None:
        return 1
    tier = await teams.tier_of(conn, team_id)
    if tier is None:
        raise invalid("team_id", f"team {team_id} does not exist")
    return tier


async def check_assignee(conn: Connection, agent_id: int | None) -> None:
    """An assignee must be an active agent (422 naming `assignee_id` otherwise)."""
    if agent_id is None:
        return
    active = await agents.is_active(conn, agent_id)
    if active is None:
        raise invalid("assignee_id", f"agent {agent_id} does not exist")
    if not active:
        raise invalid("assignee_id", f"agent {agent_id} is inactive")
