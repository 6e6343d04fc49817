"""Assignment inside a team, and where a new ticket goes: its routing rule, team and agent."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from app.db import Connection, begun
from app.domain import routing
from app.domain.priority import decide_priority
from app.schemas import TicketCreate
from app.services.context import Desk
from app.services.policies import Snapshot
from app.store import routing as store


@dataclass(frozen=True)
class Placement:
    """Where a new ticket goes: its team (and that team's tier), tier and assignee, and the
    rule (with why) that chose the team; None fields leave the ticket's own."""

    team_id: int | None
    team_tier: int | None
    tier: int | None
    assignee_id: int | None
    rule_id: int | None
    reason: str | None

    def history(self) -> dict[str, Any]:
        """What the ticket's "created" line says of it."""
        said: dict[str, Any] = {}
        if self.reason is not None:
            routing_ = {"rule_id": self.rule_id, "reason": self.reason}
            said |= {"team_id": self.team_id, "routing": routing_}
        if self.assignee_id is not None:
            said["assignee_id"] = self.assignee_id
        return said


def _candidates(members: list[store.AgentFacts]) -> list[routing.Candidate]:
    return [
        routing.Candidate(
            agent_id=a.id,
            available=a.availability == "available",
            open_tickets=0,
            capacity=None,
            languages=a.languages,
        )
        for a in members
    ]


async def _rotate(
    conn: Connection, team_id: int, members: list[store.AgentFacts], language: str | None
) -> int | None:
    """Plain round robin: the next turn of the ticket's group (a sequence, no lock, even inside
    the create's transaction) picks among the agents who may take the ticket."""
    candidates = _candidates(members)
    if not routing.pool(candidates, language):
        return None
    turn = await store.take_turn(conn, team_id, routing.turn_group(candidates, language))
    chosen = routing.choose("round_robin", candidates, language=language, turn=turn)
    return None if chosen is None else chosen.agent_id


async def _counted(conn: Connection, team_id: int, language: str | None) -> int | None:
    """Least open, or with capacities: under the team's row lock, held until the caller's
    transaction ends, so assignments in one team take turns, each counting the open tickets
    of those before it."""
    team = await store.team(conn, team_id, lock=True)
    if team is None:
        return None
    candidates = [
        routing.Candidate(
            agent_id=a.id,
            available=a.availability == "available",
            open_tickets=a.open_tickets,
            capacity=a.capacity,
            languages=a.languages,
        )
        for a in await store.loads(conn, team_id)
    ]
    turn = None
    if team.assignment == "round_robin" and routing.pool(candidates, language):
        turn = await store.take_turn(conn, team_id, routing.turn_group(candidates, language))
    chosen = routing.choose(team.assignment, candidates, language=language, turn=turn)
    if chosen is None:
        return None
    await store.assigned(conn, team_id, chosen.agent_id)
    return chosen.agent_id


async def assign(conn: Connection, team_id: int, language: str | None) -> int | None:
    """The agent of `team_id` who takes a ticket by the team's strategy (None: nobody), in the
    caller's transaction."""
    found = await store.team_and_agents(conn, team_id)
    if found is None:
        return None
    team, members = found
    if team.assignment == "none" or not members:
        return None
    if routing.needs_counts(team.assignment, [m.capacity for m in members]):
        return await _counted(conn, team_id, language)
    return await _rotate(conn, team_id, members, language)


@asynccontextmanager
async def placing(
    conn: Connection,
    desk: Desk,
    data: TicketCreate,
    organization: str | None,
    snapshot: Snapshot,
) -> AsyncIterator[Placement | None]:
    """Where a new ticket goes, for the block that inserts it. A ticket without a team is
    routed (the first matching rule, else the default team); one without an assignee is
    assigned by its team's strategy. When that counts open tickets, the team's lock is held
    through the block, so it runs in a transaction (a savepoint inside one)."""
    team_id, tier, rule_id, reason = data.team_id, data.tier, None, None
    if team_id is None:
        rules = snapshot.routing_rules  # read with the configuration, when its revision moves
        if not rules and desk.settings.default_team_id is None:
            yield None
            return
        decision = decide_priority(
            impact=data.impact,
            urgency=data.urgency,
            ticket_type=data.type,
            matrix=snapshot.matrix,
            override=data.priority,
            override_reason=data.priority_reason,
        )
        facts = routing.TicketFacts(
            category=data.category,
            type=data.type,
            channel=data.channel,
            language=data.language,
            organization=organization,
            tags=data.tags,
            priority=decision.priority,
        )
        found = routing.route(rules, facts, desk.settings.default_team_id)
        if found is None:
            yield None
            return
        # Routed: at the team's tier (a rule's own tier may only repeat it; should the team's
        # tier move later, the team's wins).
        team_id, rule_id, reason = found.team_id, found.rule_id, found.reason
    known = await store.team_and_agents(conn, team_id)
    team, members = known if known is not None else (None, [])
    team_tier = team.tier if team is not None else None
    if reason is not None and tier is None:
        tier = team_tier
    if data.assignee_id is not None or team is None or team.assignment == "none" or not members:
        yield Placement(team_id, team_tier, tier, None, rule_id, reason)
    elif not routing.needs_counts(team.assignment, [m.capacity for m in members]):
        assignee = await _rotate(conn, team.id, members, data.language)
        yield Placement(team_id, team_tier, tier, assignee, rule_id, reason)
    else:
        async with begun(conn):
            assignee = await _counted(conn, team.id, data.language)
            yield Placement(team_id, team_tier, tier, assignee, rule_id, reason)
