"""Routing rules: the ordered table a new ticket without a team is routed by. Admins edit
every rule, supervisors those of their own teams."""

from dataclasses import replace
from datetime import datetime
from typing import Any

from app.db import Connection, connection, transaction
from app.domain import routing
from app.domain.access import Principal
from app.errors import Forbidden, NotFound, UnprocessableEntity
from app.schemas import Page
from app.schemas.routing import (
    RoutingConditions,
    RoutingRuleCreate,
    RoutingRuleListQuery,
    RoutingRuleOut,
    RoutingRuleUpdate,
)
from app.services import if_match
from app.services.context import Desk
from app.services.idempotency import Written
from app.store import routing as store
from app.store.routing import RuleRow


def rule_out(row: RuleRow) -> RoutingRuleOut:
    return RoutingRuleOut(
        id=row.id,
        name=row.name,
        position=row.position,
        conditions=RoutingConditions.model_validate(row.conditions),
        team_id=row.team_id,
        tier=row.tier,
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def _may_edit(actor: Principal, team_id: int) -> None:
    if actor.role == "supervisor" and team_id not in actor.team_ids:
        raise Forbidden(
            f"a supervisor edits the routing rules of their own team; team {team_id} is not theirs"
        )


async def _team_must_exist(conn: Connection, team_id: int) -> store.TeamFacts:
    team = await store.team(conn, team_id)
    if team is None:
        raise UnprocessableEntity(
            f"team {team_id} does not exist",
            errors=[{"field": "team_id", "message": "unknown id"}],
        )
    return team


def _tier_must_agree(tier: int | None, team: store.TeamFacts, field: str) -> None:
    """A rule's tier is its team's (422 naming `field`, the one the caller gave, otherwise)."""
    contradiction = routing.tier_contradiction(tier, team.id, team.tier)
    if contradiction is not None:
        raise UnprocessableEntity(
            contradiction, errors=[{"field": field, "message": "contradicts the team's tier"}]
        )


def _conditions(conditions: RoutingConditions | dict[str, Any]) -> dict[str, Any]:
    # Stored without the conditions left out: what the domain reads as "not asked".
    given = conditions.model_dump() if isinstance(conditions, RoutingConditions) else conditions
    return {k: v for k, v in given.items() if v is not None}


async def create_rule(
    desk: Desk, data: RoutingRuleCreate, *, actor: Principal, now: datetime
) -> Written[RoutingRuleOut]:
    _may_edit(actor, data.team_id)
    async with transaction(desk.db) as conn:
        team = await _team_must_exist(conn, data.team_id)
        _tier_must_agree(data.tier, team, "tier")
        fields = data.model_dump() | {"conditions": _conditions(data.conditions)}
        row = await store.insert(conn, fields, now)
    return Written(rule_out(row))


async def get_rule(desk: Desk, rule_id: int) -> RoutingRuleOut:
    async with connection(desk.db) as conn:
        row = await store.get(conn, rule_id)
    if row is None:
        raise NotFound(f"routing rule {rule_id} does not exist")
    return rule_out(row)


async def list_rules(desk: Desk, query: RoutingRuleListQuery) -> Page[RoutingRuleOut]:
    async with connection(desk.db) as conn:
        rows, next_cursor = await store.page(
            conn, team_id=query.team_id, cursor=query.cursor, limit=query.limit
        )
    return Page(items=[rule_out(r) for r in rows], next_cursor=next_cursor)


async def update_rule(
    desk: Desk,
    rule_id: int,
    data: RoutingRuleUpdate,
    *,
    expected_version: int,
    actor: Principal,
    now: datetime,
) -> RoutingRuleOut:
    changes = data.model_dump(exclude_unset=True)
    if "conditions" in changes:
        changes["conditions"] = _conditions(changes["conditions"])
    async with transaction(desk.db) as conn:
        current = await store.get(conn, rule_id, lock=True)
        if current is None:
            raise NotFound(f"routing rule {rule_id} does not exist")
        _may_edit(actor, current.team_id)
        if_match.check(f"routing rule {rule_id}", current.version, expected_version)
        if not changes:
            return rule_out(current)
        if "team_id" in changes:
            _may_edit(actor, changes["team_id"])
        if "team_id" in changes or "tier" in changes:
            team = await _team_must_exist(conn, changes.get("team_id", current.team_id))
            tier = changes.get("tier", current.tier)
            _tier_must_agree(tier, team, "tier" if "tier" in changes else "team_id")
        row = await store.update(conn, replace(current, **changes), max(now, current.updated_at))
    return rule_out(row)


async def delete_rule(desk: Desk, rule_id: int, *, actor: Principal) -> None:
    async with transaction(desk.db) as conn:
        current = await store.get(conn, rule_id, lock=True)
        if current is None:
            raise NotFound(f"routing rule {rule_id} does not exist")
        _may_edit(actor, current.team_id)
        await store.delete(conn, rule_id)
