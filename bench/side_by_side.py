"""Two versions of the service side by side: the app's CPU per request of each, and the ratio.

    python bench/side_by_side.py BEFORE [--after TREE] [--seconds 6] [--rounds 3]

BEFORE is a git revision of this repository (exported with `git archive` to a scratch directory)
or a directory holding a source tree; the after side is this checkout unless --after names
another. Each tree migrates its own database, on one PostgreSQL server, and serves it with its
own code (`uvicorn service_app:service` from the tree's bench/, the tree first on the import
path). Every phase drives both servers at the same moment, each over the same number of
connections, for the same time, so the neighbours' load on a shared machine falls on both
alike: a run of a few minutes tells a change of a few per cent, where two runs of
bench/tickets.py one after the other differ by more than that. The measure is the CPU (user +
system, from /proc) of each server's process tree per successful request; the database's CPU is
not split between the two (they share the server), so this bench is for changes in the app.

Phases: create, get one, PATCH (priority and subject, with If-Match), internal note, public
email reply, each on tickets of its own. Each round prints every phase's figures and the ratio
after/before; the summary gives each phase's ratios over the rounds. About 40 s per round at the
default 6 s per phase, plus a minute to start.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402

from bench import harness  # noqa: E402
from bench.tickets import SERVICE_ENVIRONMENT, admin_key, ticket_body, wait_ready  # noqa: E402

PORTS = {"before": 18191, "after": 18192}
TICKETS_PER_PHASE = 100  # each writing phase cycles over tickets of its own
NOTE = {"kind": "note", "direction": "internal", "public": False, "body": "Checked the log."}
EMAIL = {
    "kind": "email",
    "direction": "outbound",
    "public": True,
    "body": "Hello, a technician replaces the feed roller this afternoon. Regards, the desk.",
}


@dataclass
class Side:
    """One version: its tree, its server, its client and the tickets it has made."""

    name: str
    tree: Path
    process: subprocess.Popen[bytes] | None = None
    client: httpx.AsyncClient | None = None
    ids: list[int] = field(default_factory=list)
    etags: dict[int, str] = field(default_factory=dict)
    edits: dict[int, int] = field(default_factory=dict)

    @property
    def http(self) -> httpx.AsyncClient:
        assert self.client is not None
        return self.client

    def cpu(self) -> float:
        assert self.process is not None
        return harness.cpu_seconds(psutil.Process(self.process.pid))

    def of_phase(self, phase: int, i: int) -> int:
        return self.ids[phase * TICKETS_PER_PHASE + i % TICKETS_PER_PHASE]


def exported(revision: str, into: Path) -> Path:
    """The tree of `revision`, written under `into`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def migrate(tree: Path, url: str) -> None:
    """The database migrated by the tree's own code (`helpdesk migrate` of that tree)."""
    code = "import sys; from app.cli import main; sys.argv = ['helpdesk', 'migrate']; main()"
    subprocess.run(
        [sys.executable, "-c", code],
        cwd=tree,
        env=os.environ | {"DATABASE_URL": url, "PYTHONPATH": str(tree)},
        check=True,
        capture_output=True,
    )


def serve(side: Side, url: str, port: int) -> subprocess.Popen[bytes]:
    """The tree's service on `url`, listening on `port`."""
    command = [
        sys.executable, "-m", "uvicorn", "service_app:service", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        "--no-access-log", "--app-dir", str(side.tree / "bench"),
    ]  # fmt: skip
    env = os.environ | SERVICE_ENVIRONMENT | {"DATABASE_URL": url, "PYTHONPATH": str(side.tree)}
    return subprocess.Popen(command, env=env, cwd=side.tree)


async def start(
    side: Side, server_url: str, database: str, port: int, statements: tuple[str, ...] = ()
) -> None:
    """The side's server on `port`, serving a fresh `database` on the server that the side's
    tree migrated (then `statements` run on it), and a client with a new admin key."""
    db = await harness.fresh_database(server_url, database, migrated=False)
    await asyncio.to_thread(migrate, side.tree, db)
    await harness.run_statements(db, *statements)
    key = await admin_key(db)
    side.process = serve(side, db, port)
    side.client = httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    )


async def create(side: Side, i: int) -> None:
    r = await side.http.post("/v1/tickets", json=ticket_body(i))
    assert r.status_code == 201, r.text
    side.ids.append(r.json()["id"])
    side.etags[side.ids[-1]] = r.headers["etag"]


async def get(side: Side, i: int) -> None:
    r = await side.http.get(f"/v1/tickets/{side.of_phase(0, i)}")
    assert r.status_code == 200, r.text


async def patch(side: Side, i: int) -> None:
    # A ticket is edited by one connection only (i modulo the connections), so If-Match holds.
    t = side.of_phase(1, i)
    side.edits[t] = edit = side.edits.get(t, 0) + 1
    r = await side.http.patch(
        f"/v1/tickets/{t}",
        json={"urgency": "high" if edit % 2 else "low", "subject": f"Printer jams (edit {edit})"},
        headers={"If-Match": side.etags[t]},
    )
    assert r.status_code == 200, r.text
    side.etags[t] = r.headers["etag"]


async def note(side: Side, i: int) -> None:
    r = await side.http.post(f"/v1/tickets/{side.of_phase(2, i)}/interactions", json=NOTE)
    assert r.status_code == 201, r.text


async def email(side: Side, i: int) -> None:
    r = await side.http.post(f"/v1/tickets/{side.of_phase(3, i)}/interactions", json=EMAIL)
    assert r.status_code == 201, r.text


PHASES: dict[str, Callable[[Side, int], Awaitable[None]]] = {
    "create": create,
    "get one": get,
    "patch (If-Match)": patch,
    "internal note": note,
    "public email": email,
}


async def phase(
    sides: list[Side], run: Callable[[Side, int], Awaitable[None]], seconds: float, conns: int
) -> dict[str, tuple[float, int]]:
    """Each side's CPU µs per request and its request count, both driven for `seconds`."""
    counts = dict.fromkeys((s.name for s in sides), 0)
    end = time.monotonic() + seconds

    async def connection(side: Side, c: int) -> None:
        i = c
        while time.monotonic() < end:
            await run(side, i)
            counts[side.name] += 1
            i += conns  # every request of connection c has i ≡ c (mod conns)

    started = {s.name: s.cpu() for s in sides}
    await asyncio.gather(*(connection(s, c) for s in sides for c in range(conns)))
    return {
        s.name: ((s.cpu() - started[s.name]) / max(counts[s.name], 1) * 1e6, counts[s.name])
        for s in sides
    }


async def bench(args: argparse.Namespace, before: Path, after: Path) -> None:
    sides = [Side("before", before), Side("after", after)]
    url, stop_server = harness.open_server("side_by_side")
    try:
        for side in sides:
            await start(side, url, f"side_{side.name}", PORTS[side.name])
        for side in sides:
            await wait_ready(PORTS[side.name], "/readyz")
            for i in range(4 * TICKETS_PER_PHASE):
                await create(side, i)
        warm = max(1.0, args.seconds / 3)
        for run in PHASES.values():
            await phase(sides, run, warm, args.connections)
        ratios: dict[str, list[float]] = {name: [] for name in PHASES}
        for n in range(args.rounds):
            print(f"round {n + 1} of {args.rounds}, load average {harness.load_average()}")
            for name, run in PHASES.items():
                got = await phase(sides, run, args.seconds, args.connections)
                (b, nb), (a, na) = got["before"], got["after"]
                ratios[name].append(a / b)
                print(
                    f"  {name:18s} before {b:7,.0f} µs ({nb:5d} requests)"
                    f"  after {a:7,.0f} µs ({na:5d})  after/before {a / b:.3f}",
                    flush=True,
                )
        print("app CPU per request, after/before, each round:")
        for name, values in ratios.items():
            print(f"  {name:18s} " + "  ".join(f"{v:.3f}" for v in values))
    finally:
        for side in sides:
            if side.client is not None:
                await side.client.aclose()
            if side.process is not None:
                side.process.terminate()
                side.process.wait()
        for side in sides:
            await harness.drop_database(url, f"side_{side.name}")
        stop_server()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", help="a git revision of this repository, or a source tree")
    parser.add_argument("--after", type=Path, default=ROOT, help="a source tree (this checkout)")
    parser.add_argument("--seconds", type=float, default=6.0, help="per phase and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4, help="per side")
    args = parser.parse_args()
    print(f"side by side: {args.before} against {args.after}, {args.connections} connections each")
    with tempfile.TemporaryDirectory(prefix="side-by-side-") as scratch:
        given = Path(args.before)
        before = given if given.is_dir() else exported(args.before, Path(scratch))
        asyncio.run(bench(args, before.resolve(), args.after.resolve()))


if __name__ == "__main__":
    main()
