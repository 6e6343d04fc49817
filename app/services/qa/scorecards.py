"""Scorecards: create, list, read, edit (a used version is never changed: an edit makes the next
one), and the built-in checklist, made on first use."""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from app.db import Connection, connection, transaction
from app.domain import qa as rules
from app.domain.access import Principal
from app.errors import NotFound, PreconditionFailed, UnprocessableEntity
from app.schemas import Page
from app.schemas.qa import ScorecardCreate, ScorecardListQuery, ScorecardOut, ScorecardUpdate
from app.services import idempotency
from app.services.context import Desk
from app.services.idempotency import Written
from app.store.qa import scorecards as store
from app.store.qa.scorecards import ScorecardRow, VersionRow


def card_of(sections: list[dict[str, Any]]) -> rules.Scorecard:
    """A stored version's sections as the domain's scorecard."""
    return rules.Scorecard(
        tuple(
            rules.Section(
                s["key"],
                s["label"],
                tuple(
                    rules.Criterion(**{**c, "root_causes": tuple(c.get("root_causes", ()))})
                    for c in s["criteria"]
                ),
            )
            for s in sections
        )
    )


def sections_of(card: rules.Scorecard) -> list[dict[str, Any]]:
    return [
        {
            "key": s.key,
            "label": s.label,
            "criteria": [{**asdict(c), "root_causes": list(c.root_causes)} for c in s.criteria],
        }
        for s in card.sections
    ]


def _checked(sections: list[Any]) -> list[dict[str, Any]]:
    """The sections as stored, once the domain finds them usable (else a 422 naming the field)."""
    stored = [s.model_dump() for s in sections]
    try:
        rules.validate(card_of(stored))
    except rules.ScorecardError as exc:
        raise UnprocessableEntity(
            exc.message, errors=[{"field": exc.field, "message": exc.message}]
        ) from None
    return stored


def out(card: ScorecardRow, version: VersionRow) -> ScorecardOut:
    return ScorecardOut(
        id=card.id,
        name=card.name,
        description=card.description,
        built_in=card.built_in,
        current_version=version.number,
        version_id=version.id,
        used=version.used_at is not None,
        sections=version.sections,  # type: ignore[arg-type]
        created_at=card.created_at,
        updated_at=card.updated_at,
        version=card.version,
    )


async def built_in(conn: Connection, now: datetime) -> ScorecardRow:
    """The built-in checklist, made by the first caller that needs it."""
    found = await store.built_in(conn)
    if found is not None:
        return found
    made = await store.insert_scorecard(
        conn, name=rules.DEFAULT_NAME, description=None, built_in=True, now=now
    )
    if made is None:  # another transaction made it first
        found = await store.built_in(conn)
        assert found is not None
        return found
    await store.insert_version(
        conn, made.id, 1, sections_of(rules.DEFAULT_SCORECARD), key_id=None, now=now
    )
    return made


async def current(
    conn: Connection, scorecard_id: int | None, now: datetime
) -> tuple[ScorecardRow, VersionRow]:
    """The scorecard (the built-in one when None) and the version new reviews are scored on."""
    card = (
        await built_in(conn, now)
        if scorecard_id is None
        else await store.get_scorecard(conn, scorecard_id)
    )
    if card is None:
        raise NotFound(
            f"scorecard {scorecard_id} does not exist",
            errors=[{"field": "scorecard_id", "message": "unknown id"}],
        )
    version = await store.version_of(conn, card.id, card.current_version)
    assert version is not None
    return card, version


async def create(
    desk: Desk,
    data: ScorecardCreate,
    *,
    actor: Principal,
    now: datetime,
    idempotency_key: str | None,
) -> Written[ScorecardOut]:
    sections = _checked(data.sections)

    async def work(conn: Connection) -> Written[ScorecardOut]:
        card = await store.insert_scorecard(
            conn, name=data.name, description=data.description, built_in=False, now=now
        )
        assert card is not None
        version = await store.insert_version(
            conn, card.id, 1, sections, key_id=actor.key_id or None, now=now
        )
        return Written(out(card, version))

    return await idempotency.run(
        desk, actor, idempotency_key, "qa.scorecards.create", data, work, now=now
    )


async def get(desk: Desk, scorecard_id: int, *, now: datetime) -> ScorecardOut:
    async with transaction(desk.db) as conn:
        card, version = await current(conn, scorecard_id, now)
    return out(card, version)


async def list_scorecards(
    desk: Desk, query: ScorecardListQuery, *, now: datetime
) -> Page[ScorecardOut]:
    async with transaction(desk.db) as conn:
        await built_in(conn, now)  # listed from the first look on
    async with connection(desk.db) as conn:
        cards, next_cursor = await store.page_scorecards(
            conn, limit=query.limit, cursor=query.cursor
        )
        versions = await store.current_versions(conn, cards)
    return Page[ScorecardOut](
        items=[out(card, versions[card.id]) for card in cards], next_cursor=next_cursor
    )


async def update(
    desk: Desk,
    scorecard_id: int,
    data: ScorecardUpdate,
    *,
    expected_version: int,
    actor: Principal,
    now: datetime,
) -> ScorecardOut:
    """Rename, describe, or change the criteria. Criteria of a version no review has used are
    changed in place; of a used one, they become the next version (reviews keep theirs)."""
    sent = data.model_fields_set
    sections = _checked(data.sections) if "sections" in sent and data.sections else None
    async with transaction(desk.db) as conn:
        card = await store.get_scorecard(conn, scorecard_id, lock=True)
        if card is None:
            raise NotFound(f"scorecard {scorecard_id} does not exist")
        if card.version != expected_version:
            raise PreconditionFailed(
                f"scorecard {scorecard_id} is at version {card.version}, not {expected_version}"
            )
        version = await store.version_of(conn, card.id, card.current_version, lock=True)
        assert version is not None
        number = card.current_version
        if sections is not None and sections != version.sections:
            if version.used_at is None:
                await store.replace_sections(conn, version.id, sections)
            else:
                number += 1
                await store.insert_version(
                    conn, card.id, number, sections, key_id=actor.key_id or None, now=now
                )
        card = await store.update_scorecard(
            conn,
            card.id,
            name=data.name if "name" in sent and data.name is not None else card.name,
            description=data.description if "description" in sent else card.description,
            current_version=number,
            now=now,
        )
        version = await store.version_of(conn, card.id, number)
        assert version is not None
    return out(card, version)
