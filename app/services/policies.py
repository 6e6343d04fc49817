"""The SLA policy book (every policy with its calendar, in the order they are tried) and the
priority matrix, as ticket writes and reads use them, cached per app."""

import time as time_module
from dataclasses import dataclass
from datetime import date

from app.db import Connection, Database, connection
from app.domain import routing
from app.domain import sla as clocks
from app.domain.calendar import (
    BusinessCalendar,
    Holiday,
    WorkingHours,
    make_calendar,
    parse_wall_time,
)
from app.schemas import WEEKDAYS
from app.store import config as store
from app.store import routing as routing_store


def calendar_of(row: store.CalendarRow) -> BusinessCalendar:
    """The calendar a stored row describes (CalendarError if it describes none)."""
    return make_calendar(
        row.zone,
        [
            WorkingHours(
                WEEKDAYS.index(h["day"]),  # type: ignore[arg-type]
                parse_wall_time(h["start"]),
                parse_wall_time(h["end"], end=True),
            )
            for h in row.hours
        ],
        [Holiday(date.fromisoformat(h["date"]), h.get("recurring", False)) for h in row.holidays],
    )


@dataclass(frozen=True)
class LoadedPolicy:
    id: int
    name: str
    conditions: clocks.PolicyConditions
    targets: dict[str, clocks.Targets]
    calendar: BusinessCalendar
    calendar_name: str
    pause_statuses: frozenset[str]
    warning_ratio: float

    def clock(self, priority: str) -> clocks.ClockPolicy:
        return clocks.ClockPolicy(
            targets=self.targets[priority],
            calendar=self.calendar,
            pause_statuses=self.pause_statuses,
            warning_ratio=self.warning_ratio,
        )


def loaded(row: store.PolicyRow, calendar: store.CalendarRow) -> LoadedPolicy:
    c = row.conditions
    return LoadedPolicy(
        id=row.id,
        name=row.name,
        conditions=clocks.PolicyConditions(
            priorities=frozenset(c.get("priorities", ())),
            types=frozenset(c.get("types", ())),
            team_ids=frozenset(c.get("team_ids", ())),
            organizations=frozenset(c.get("organizations", ())),
            channels=frozenset(c.get("channels", ())),
        ),
        targets={p: clocks.Targets(**t) for p, t in row.targets.items()},
        calendar=calendar_of(calendar),
        calendar_name=calendar.name,
        pause_statuses=frozenset(row.pause_statuses),
        warning_ratio=row.warning_percent / 100,
    )


@dataclass(frozen=True)
class PolicyBook:
    """Every SLA policy in the order they are tried; the default one last."""

    policies: tuple[LoadedPolicy, ...]

    def for_ticket(self, traits: clocks.TicketTraits) -> LoadedPolicy:
        chosen = clocks.select_policy([(p, p.conditions) for p in self.policies], traits)
        return chosen if chosen is not None else self.policies[-1]

    def by_id(self, policy_id: int | None) -> LoadedPolicy:
        """The policy a ticket's last change chose (the default if it has gone since)."""
        return next((p for p in self.policies if p.id == policy_id), self.policies[-1])


@dataclass(frozen=True)
class Snapshot:
    """The configuration a ticket write works with."""

    book: PolicyBook
    matrix: dict[str, dict[str, str]]
    # Routing: the active routing rules in the order they are tried (their changes move the
    # configuration revision too, migration 0009).
    routing_rules: tuple[routing.Rule, ...] = ()


async def load(conn: Connection) -> Snapshot:
    """Every policy with its calendar, the matrix and the routing rules, as `conn` sees them."""
    calendars = {c.id: c for c in await store.calendars(conn)}
    book = PolicyBook(
        tuple(loaded(p, calendars[p.calendar_id]) for p in await store.policies(conn))
    )
    rules = tuple(
        routing.Rule(r.id, r.name, r.team_id, r.tier, r.conditions)
        for r in await routing_store.active_rules(conn)
    )
    return Snapshot(book, (await store.matrix(conn)).cells, rules)


class PolicyCache:
    """The configuration, per app: for writes, reloaded whenever the stored revision moves; for
    rendering reads, at most every `read_ttl` seconds.

    Every change to calendars, policies or the matrix bumps `config_revision` in its own
    transaction, so a writer that reads the new revision also reads the new configuration:
    stored due times and armed timers never come from a stale policy. A read on another replica
    may show the previous policy for up to `read_ttl` seconds after an admin edit. A transaction
    that changes the configuration loads it itself: nothing uncommitted is ever cached."""

    def __init__(self, read_ttl: float = 2.0) -> None:
        self.read_ttl = read_ttl
        self._revision: int | None = None
        self._written: Snapshot | None = None
        self._read: Snapshot | None = None
        self._read_at = 0.0

    async def for_writing(self, conn: Connection, revision: int | None = None) -> Snapshot:
        """The configuration for a write on `conn`; `revision`, if already read in this
        transaction, saves reading it again."""
        if revision is None:
            revision = await store.revision(conn)
        if self._written is not None and revision is not None and revision == self._revision:
            return self._written
        snapshot = await load(conn)
        if revision is not None:
            self._revision, self._written = revision, snapshot
        return snapshot

    async def for_reading(self, db: Database) -> PolicyBook:
        if self._read is None or time_module.monotonic() - self._read_at > self.read_ttl:
            async with connection(db) as conn:
                self._read = await load(conn)
            self._read_at = time_module.monotonic()
        return self._read.book

    def forget(self) -> None:
        self._revision = self._written = self._read = None
