"""SLA policies: which tickets they apply to, their targets per priority, and the order they
are tried in (the default one last)."""

from datetime import datetime

from app.db import Connection, connection, transaction
from app.domain.access import Principal
from app.domain.priority import PRIORITIES
from app.errors import Conflict, NotFound, UnprocessableEntity
from app.schemas import Page, SlaPolicyCreate, SlaPolicyOut
from app.schemas.sla import SlaPolicyListQuery
from app.services import if_match
from app.services.config import recompute
from app.services.context import Desk
from app.services.idempotency import Written
from app.store import config as store
from app.store.config import NewPolicy, PolicyRow

# Targets are stored in seconds (what the clocks count) and shown in minutes (what admins set).
MINUTE = 60


def _invalid(field: str, message: str) -> UnprocessableEntity:
    return UnprocessableEntity(f"{field}: {message}", errors=[{"field": field, "message": message}])


def policy_out(row: PolicyRow) -> SlaPolicyOut:
    return SlaPolicyOut(
        id=row.id,
        name=row.name,
        position=row.position,
        is_default=row.is_default,
        conditions=row.conditions,  # type: ignore[arg-type]
        targets={
            p: {  # type: ignore[misc]
                "first_response_minutes": t["first_response"] // MINUTE,
                "next_update_minutes": t["next_update"] // MINUTE,
                "resolution_minutes": t["resolution"] // MINUTE,
            }
            for p, t in row.targets.items()
        },
        calendar_id=row.calendar_id,
        pause_statuses=row.pause_statuses,
        warning_percent=row.warning_percent,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


async def _new(conn: Connection, data: SlaPolicyCreate) -> NewPolicy:
    """The policy to store: a target for every priority, on a calendar that exists."""
    missing = [p for p in PRIORITIES if p not in data.targets]
    if missing:
        raise _invalid(
            "targets", f"a target for every priority is needed; missing {', '.join(missing)}"
        )
    if not await store.calendar_exists(conn, data.calendar_id):
        raise UnprocessableEntity(
            f"calendar {data.calendar_id} does not exist",
            errors=[{"field": "calendar_id", "message": "unknown id"}],
        )
    return NewPolicy(
        name=data.name,
        position=data.position,
        conditions=data.conditions.model_dump(mode="json"),
        targets={
            p: {
                "first_response": t.first_response_minutes * MINUTE,
                "next_update": t.next_update_minutes * MINUTE,
                "resolution": t.resolution_minutes * MINUTE,
            }
            for p, t in data.targets.items()
        },
        calendar_id=data.calendar_id,
        pause_statuses=sorted(set(data.pause_statuses)),
        warning_percent=data.warning_percent,
    )


def _name_taken() -> Conflict:
    return Conflict("another SLA policy already has this name", field="name")


async def create_policy(
    desk: Desk, data: SlaPolicyCreate, *, actor: Principal, now: datetime
) -> Written[SlaPolicyOut]:
    """A new policy, then every live ticket it now applies to moves to it (see
    `recompute.live_tickets`: in batches, after the policy has committed)."""
    async with transaction(desk.db) as conn:
        row = await store.insert_policy(conn, await _new(conn, data), now)
        if row is None:
            raise _name_taken()
    desk.policies.forget()
    await recompute.live_tickets(
        desk, because=f"SLA policy '{row.name}' created", actor=actor, now=now
    )
    return Written(policy_out(row))


async def list_policies(desk: Desk, query: SlaPolicyListQuery) -> Page[SlaPolicyOut]:
    """In the order they are tried; the default policy last."""
    async with connection(desk.db) as conn:
        rows, next_cursor = await store.policy_page(conn, cursor=query.cursor, limit=query.limit)
    return Page(items=[policy_out(r) for r in rows], next_cursor=next_cursor)


async def read_policy(desk: Desk, policy_id: int) -> SlaPolicyOut:
    async with connection(desk.db) as conn:
        row = await store.policy(conn, policy_id)
    if row is None:
        raise NotFound(f"SLA policy {policy_id} does not exist")
    return policy_out(row)


async def replace_policy(
    desk: Desk,
    policy_id: int,
    data: SlaPolicyCreate,
    *,
    expected_version: int,
    actor: Principal,
    now: datetime,
) -> SlaPolicyOut:
    """Replace a policy, then recompute every live ticket's clocks under the new one (see
    `recompute.live_tickets`: in batches, after the change has committed)."""
    async with transaction(desk.db) as conn:
        current = await store.policy(conn, policy_id, lock=True)
        if current is None:
            raise NotFound(f"SLA policy {policy_id} does not exist")
        if_match.check(f"SLA policy {policy_id}", current.version, expected_version)
        new = await _new(conn, data)
        if current.is_default and any(new.conditions.values()):
            raise _invalid(
                "conditions", "the default policy applies to every ticket: no conditions"
            )
        row = await store.replace_policy(conn, policy_id, new, now)
        if row is None:
            raise _name_taken()
    desk.policies.forget()
    await recompute.live_tickets(
        desk, because=f"SLA policy '{row.name}' changed", actor=actor, now=now
    )
    return policy_out(row)
