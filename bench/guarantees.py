"""What the schema's guarantees cost each request: the service on databases without one of them.

    python bench/guarantees.py [--seconds 4] [--rounds 2] [--connections 4]
        [--variants NAME ...] [--against BEFORE]

The service (this checkout) serves five databases on one PostgreSQL server, each migrated by
`helpdesk migrate` and then stripped of one guarantee, or of all three:

* as shipped;
* no audit trigger (every trigger that calls `audit_row`: what the service writes is no longer
  in the audit log);
* no foreign keys (every one: a row may name a ticket, an interaction or an agent that is not
  there);
* no text indexes (the GIN indexes of tickets and interactions: the search vectors, the trigram
  indexes of subject, description and body, and the tags': search and the tag filter read every
  row);
* none of the three;
* with `--against BEFORE` (a git revision or a source tree), also another version as shipped,
  its database migrated and served by its own code: an A/B of a change's database CPU, the
  versions driven in turn under the same load (bench/side_by_side.py drives two at once and
  splits only the app's CPU). `--variants` chooses which of the five to serve.

Each round drives every variant in turn through create, get one, PATCH (priority and subject,
with If-Match), an internal note and a public email reply (bench/side_by_side.py's phases), one
server at a time, and the minimal reference app (bench/reference_app.py) through its create.
The measure is CPU per request: the server's process tree (app) and PostgreSQL's (database,
with the backends it reaped), user + system from /proc, and the requests answered. It prints,
per variant, each phase's app + database µs (median over the rounds) and:

* each write's throughput as a share of the create's, as its CPU predicts it (the create's CPU
  over the write's: on a machine where the app and the database share the cores, throughput
  follows the CPU a request costs) and as the requests answered in the same time measured it;
* the create's app and database CPU over the reference's create.

These are the figures bench/tickets.py holds to targets (each write at least 0.8x the create's
throughput; the create's app CPU at most 2x, its database CPU at most 4x the reference's); this
bench says which of them a guarantee stands between. About 5 minutes at the defaults.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402

from bench import harness, side_by_side  # noqa: E402
from bench.side_by_side import PHASES, TICKETS_PER_PHASE, Side  # noqa: E402
from bench.tickets import (  # noqa: E402
    SERVICE_ENVIRONMENT,
    start_server,
    ticket_body,
    wait_ready,
)

FIRST_PORT = 18301
REFERENCE_PORT = 18300

_NO_AUDIT = """
DO $$ DECLARE t record; BEGIN
  FOR t IN SELECT tgrelid::regclass AS rel, tgname FROM pg_trigger
           WHERE tgfoid = 'audit_row'::regproc LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.rel);
  END LOOP;
END $$"""
_NO_FOREIGN_KEYS = """
DO $$ DECLARE c record; BEGIN
  FOR c IN SELECT conrelid::regclass AS rel, conname FROM pg_constraint WHERE contype = 'f' LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.rel, c.conname);
  END LOOP;
END $$"""
_NO_TEXT_INDEXES = """
DO $$ DECLARE i record; BEGIN
  FOR i IN SELECT x.indexrelid::regclass AS idx FROM pg_index x
           JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_am a ON a.oid = c.relam
           WHERE a.amname = 'gin' AND x.indrelid IN ('tickets'::regclass, 'interactions'::regclass)
  LOOP
    EXECUTE format('DROP INDEX %s', i.idx);
  END LOOP;
END $$"""

VARIANTS: dict[str, tuple[str, ...]] = {
    "as shipped": (),
    "no audit trigger": (_NO_AUDIT,),
    "no foreign keys": (_NO_FOREIGN_KEYS,),
    "no text indexes": (_NO_TEXT_INDEXES,),
    "none of the three": (_NO_AUDIT, _NO_FOREIGN_KEYS, _NO_TEXT_INDEXES),
}
WRITES = ("patch (If-Match)", "internal note", "public email")
REFERENCE_CREATE = "reference create"
Run = Callable[[Side, int], Awaitable[None]]


@dataclass
class Sample:
    app: float  # µs per request
    database: float  # µs per request
    requests: int


async def measured(
    side: Side, run: Run, postmaster: psutil.Process, args: argparse.Namespace
) -> Sample:
    database = harness.cpu_seconds(postmaster, reaped=True)
    got = await side_by_side.phase([side], run, args.seconds, args.connections)
    app, requests = got[side.name]
    database = harness.cpu_seconds(postmaster, reaped=True) - database
    return Sample(app, database / max(requests, 1) * 1e6, requests)


async def reference_create(side: Side, i: int) -> None:
    r = await side.http.post("/tickets", json=ticket_body(i))
    assert r.status_code == 201, r.text


async def bench(args: argparse.Namespace, against: Path | None) -> None:
    url, stop_server = harness.open_server("guarantees")
    sides: dict[str, Side] = {}
    reference = Side("reference", ROOT)
    try:
        postmaster = await harness.postmaster(url)
        chosen = [(name, ROOT, VARIANTS[name]) for name in args.variants]
        if against is not None:
            chosen.append((f"as shipped at {args.against}", against, ()))
        for n, (name, tree, statements) in enumerate(chosen):
            side = sides[name] = Side(name, tree)
            await side_by_side.start(side, url, f"guarantees_{n}", FIRST_PORT + n, statements)
        reference_db = await harness.fresh_database(url, "guarantees_reference", migrated=False)
        reference.process = start_server(
            ["reference_app:app"],
            REFERENCE_PORT,
            SERVICE_ENVIRONMENT | {"REFERENCE_DATABASE_URL": harness.libpq_url(reference_db)},
            1,
        )
        reference.client = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{REFERENCE_PORT}", timeout=60
        )
        for n, side in enumerate(sides.values()):
            await wait_ready(FIRST_PORT + n, "/readyz")
            for i in range(4 * TICKETS_PER_PHASE):
                await side_by_side.create(side, i)
        await wait_ready(REFERENCE_PORT, "/tickets")
        warm = max(1.0, args.seconds / 4)
        for side in sides.values():
            for run in PHASES.values():
                await side_by_side.phase([side], run, warm, args.connections)
        await side_by_side.phase([reference], reference_create, warm, args.connections)

        samples: dict[tuple[str, str], list[Sample]] = {}
        for r in range(args.rounds):
            print(f"round {r + 1} of {args.rounds}, load average {harness.load_average()}")
            order = [*sides.values(), reference]
            for side in order if r % 2 == 0 else reversed(order):
                phases = {REFERENCE_CREATE: reference_create} if side is reference else PHASES
                for phase, run in phases.items():
                    got = await measured(side, run, postmaster, args)
                    samples.setdefault((side.name, phase), []).append(got)
                    print(
                        f"  {side.name:18s} {phase:18s} app {got.app:7,.0f} µs"
                        f"  database {got.database:7,.0f} µs  {got.requests:5d} requests",
                        flush=True,
                    )
        report(samples, sides, args)
    finally:
        for side in [*sides.values(), reference]:
            if side.client is not None:
                await side.client.aclose()
            if side.process is not None:
                side.process.terminate()
                side.process.wait()
        for n in range(len(sides)):
            await harness.drop_database(url, f"guarantees_{n}")
        if reference.process is not None:
            await harness.drop_database(url, "guarantees_reference")
        stop_server()


def report(
    samples: dict[tuple[str, str], list[Sample]], sides: dict[str, Side], args: argparse.Namespace
) -> None:
    def median(name: str, phase: str) -> Sample:
        got = samples[(name, phase)]
        return Sample(
            statistics.median(s.app for s in got),
            statistics.median(s.database for s in got),
            int(statistics.median(s.requests for s in got)),
        )

    ref = median("reference", REFERENCE_CREATE)
    print(
        f"\nmedians of {args.rounds} rounds of {args.seconds:g} s, {args.connections} connections;"
        f" reference create: app {ref.app:,.0f} + database {ref.database:,.0f} µs"
    )
    for name in sides:
        create = median(name, "create")
        print(f"\n{name}:")
        for phase in PHASES:
            got = median(name, phase)
            line = f"  {phase:18s} app {got.app:7,.0f} + database {got.database:7,.0f} µs"
            if phase in WRITES:
                by_cpu = (create.app + create.database) / (got.app + got.database)
                by_count = got.requests / max(create.requests, 1)
                line += f"   × create: {by_cpu:.2f} by CPU, {by_count:.2f} answered"
            elif phase == "create":
                line += (
                    f"   × reference: app {create.app / ref.app:.2f},"
                    f" database {create.database / ref.database:.2f}"
                )
            print(line)
    before = next((name for name in sides if name.startswith("as shipped at ")), None)
    if before is not None and "as shipped" in sides:
        print(
            f"\nthis checkout as shipped / {before}, CPU per request, each round (app; database):"
        )
        for phase in PHASES:
            pairs = zip(samples[("as shipped", phase)], samples[(before, phase)], strict=True)
            print(
                f"  {phase:18s} "
                + "  ".join(f"{a.app / b.app:.3f}; {a.database / b.database:.3f}" for a, b in pairs)
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per phase and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS), metavar="NAME",
        help=f"which databases to serve, of: {', '.join(repr(v) for v in VARIANTS)}",
    )  # fmt: skip
    parser.add_argument(
        "--against",
        help="also serve, as shipped, another version: a git revision of this repository or a"
        " source tree, migrating its own database with its own code",
    )
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="guarantees-") as scratch:
        against = None
        if args.against is not None:
            given = Path(args.against)
            against = (
                given if given.is_dir() else side_by_side.exported(args.against, Path(scratch))
            )
        asyncio.run(bench(args, against and against.resolve()))
    print(f"\n{time.monotonic() - started:.0f} s in all")


if __name__ == "__main__":
    main()
