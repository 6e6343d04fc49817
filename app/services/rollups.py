"""The metrics' rollups: kept current by following what changed, rebuilt from scratch after a
bulk load, and read back as one tally for a period and a scope.

A ticket changes (the tickets feed), is breached (the SLA events feed) or escalated (the
escalations feed): its facts are worked out again (`metric_tickets`), and each UTC day that
counted the ticket before or counts it now gets its tallies recomputed from the facts, for
every dimension at once (`metric_rollups`). Recomputing a day, rather than adding and
subtracting a ticket's share, heals itself: a day is always what its facts say."""

import logging
from datetime import UTC, date, datetime

from app.db import Connection, transaction
from app.domain import rollups
from app.domain.rollups import Tally
from app.services.context import Desk
from app.store.errors import Busy
from app.store.metrics import Scope
from app.store.rollups import daily, facts, feeds, tallies

log = logging.getLogger(__name__)

BATCH = 2_000
# Passes a summary makes itself before reading, so it counts what was just written.
PASSES_BEFORE_A_READ = 5
REBUILD_CHUNK = 50_000


async def catch_up(desk: Desk, *, batch: int = BATCH) -> bool:
    """One pass over the feeds (at most `batch` rows of each): the tickets they name get their
    facts and their days' tallies worked out again. True when a feed has more to give."""
    async with transaction(desk.db) as conn:
        at = await feeds.lock_feeds(conn)
        tickets: set[int] = set()
        more = False
        moved: dict[str, tuple[int, int]] = {}
        for feed in feeds.FEEDS:
            found = await feeds.changed(conn, feed, at[feed], batch)
            tickets.update(found.tickets)
            moved[feed] = found.position
            more = more or found.settled == batch
        if tickets:
            ids = sorted(tickets | await facts.followers(conn, sorted(tickets)))
            days = await facts.days_of(conn, ids)  # as they were counted
            await facts.refresh(conn, ids)
            days |= await facts.days_of(conn, ids)  # as they count now
            await _roll(conn, sorted(days))
        for feed, position in moved.items():
            if position != at[feed]:
                await feeds.save_feed(conn, feed, position)
        return more


async def recount(conn: Connection, ticket_ids: list[int]) -> None:
    """These tickets' facts, and the tallies of every day that counts them, worked out again
    now in the caller's transaction: an erasure's redacted labels leave the rollups with it,
    not at the next catch-up. Holds the feeds' lock (one recount at a time) until it commits."""
    await feeds.lock_feeds(conn)
    days = await facts.days_of(conn, ticket_ids)
    await facts.refresh(conn, ticket_ids)
    days |= await facts.days_of(conn, ticket_ids)
    await _roll(conn, sorted(days))


async def settle(desk: Desk) -> None:
    """Catch up before a read, so a summary counts what was written before it; bounded, and
    skipped when another catch-up holds the feeds longer than the lock timeout."""
    try:
        for _ in range(PASSES_BEFORE_A_READ):
            if not await catch_up(desk):
                return
    except Busy:
        log.info("rollups busy: this summary reads them as the running catch-up leaves them")


async def rebuild(desk: Desk) -> int:
    """Every ticket's facts and every day's tallies from scratch, in one transaction (after a
    bulk load or an upgrade); the feeds then resume from here. Returns the days rolled up."""
    async with transaction(desk.db) as conn:
        await feeds.lock_feeds(conn)
        # Rows written by transactions still running now are taken again by the next pass.
        position = await feeds.horizon(conn)
        await daily.clear_all(conn)
        lo, hi = await facts.ticket_id_range(conn)
        if lo is not None and hi is not None:
            for start in range(lo, hi + 1, REBUILD_CHUNK):
                await facts.refresh_range(conn, start, start + REBUILD_CHUNK - 1)
        days = await facts.all_days(conn)
        for i in range(0, len(days), 31):
            await _roll(conn, days[i : i + 31])
        for feed in feeds.FEEDS:
            await feeds.save_feed(conn, feed, position)
        await daily.analyze(conn)
        return len(days)


async def _roll(conn: Connection, days: list[date]) -> None:
    """The tallies of `days` recomputed from the facts, every dimension at once."""
    documents = {}
    for day in days:
        found = await tallies.tally(conn, [rollups.day_bounds(day)], by_dimension=True)
        for (dim, value), t in found.items():
            documents[(day, dim, value)] = t.to_json()
    await daily.replace(conn, days, documents)


def rollup_key(scope: Scope) -> tuple[str, str] | None:
    """The rollup that serves `scope`: every ticket, or one dimension's value; None when the
    caller sees only some tickets or filters on more than one dimension."""
    if not scope.visible.everything:
        return None
    filters = [
        (dim, str(value))
        for dim, value in (
            ("team", scope.team_id),
            ("agent", scope.agent_id),
            ("channel", scope.channel),
            ("priority", scope.priority),
            ("category", scope.category),
        )
        if value is not None
    ]
    if len(filters) > 1:
        return None
    return filters[0] if filters else ("all", "")


async def period(conn: Connection, scope: Scope, frm: datetime, to: datetime) -> Tally:
    """The tally of [frm, to) in `scope`: its whole days (and, for every ticket, whole hours)
    from the rollups, the rest from the facts; all from the facts when no rollup serves."""
    key = rollup_key(scope)
    if key is None:
        return (await tallies.tally(conn, [(frm, to)], scope)).get(("all", ""), Tally())
    plan = rollups.plan(frm, to, hours=key == ("all", ""))
    keys = [(day, *key) for day in plan.days]
    keys += [(day, "hour", hour) for day, hour in plan.hour_keys()]
    parts = await daily.read(conn, keys)
    rest = await tallies.tally(conn, plan.windows, scope)
    return rollups.total([*parts, rest.get(("all", ""), Tally())])


async def customers(
    conn: Connection, scope: Scope, frm: datetime, to: datetime, t: Tally
) -> tuple[int, int]:
    """Customers with a ticket in the period, and repeat customers: for every ticket, from
    the period's tally `t` (cost of a day, not of the period); else by customer."""
    if rollup_key(scope) != ("all", ""):
        return await tallies.customers(conn, scope, frm, to)
    first_day = rollups.day_bounds(frm.astimezone(UTC).date())[0]
    early = await tallies.previous_on_the_first_day(conn, frm, to, first_day)
    return rollups.customers(t, frm, early)
