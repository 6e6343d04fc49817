"""Backups: pg_dump with a manifest, restored into an empty database with identical counts and
checksums, verified in a scratch database; the last one shown to admins."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import orjson
import pytest
from typer.testing import CliRunner

from app import cli as helpdesk
from app.clock import utcnow
from app.db import Database, connect, connection, libpq_url
from app.main import create_app
from app.routers import privacy as privacy_router
from app.schemas import ApiKeyCreate
from app.services import auth, backups
from app.services.desk import Desk
from app.settings import Settings, get_settings
from app.store import backups as store
from tests.conftest import create_database_from_template, database_url, drop_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def desk(fresh_database: str) -> AsyncIterator[Desk]:
    """A migrated database with a little of everything in it."""
    db = await connect(fresh_database)
    settings = Settings(database_url=fresh_database)
    desk = Desk.of(db, settings)
    key = await auth.create_key(desk, ApiKeyCreate(name="admin", role="admin"), now=utcnow())
    app = create_app(settings, db=db)
    app.include_router(privacy_router.router)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {key.key}"},
    ) as client:
        customer = (
            await client.post("/v1/customers", json={"name": "Ada", "email": "ada@example.com"})
        ).json()
        for n in range(3):
            ticket = (
                await client.post(
                    "/v1/tickets",
                    json={"subject": f"Printer {n} on fire", "customer_id": customer["id"]},
                )
            ).json()
            await client.post(
                f"/v1/tickets/{ticket['id']}/interactions",
                json={"kind": "email", "direction": "outbound", "body": 'On it — ☃ "quoted"'},
            )
    desk.app = app  # type: ignore[attr-defined]
    desk.admin_key = key.key  # type: ignore[attr-defined]
    yield desk
    await db.close()


@pytest.fixture
async def empty_database(server_url: str) -> AsyncIterator[str]:
    name = f"t_restore_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(libpq_url(database_url(server_url, "postgres")))
    try:
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    yield database_url(server_url, name)
    await drop_database(server_url, name)


async def census(url: str) -> dict[str, store.TableCensus]:
    db = await connect(url)
    try:
        async with connection(db) as conn:
            return await store.census(conn)
    finally:
        await db.close()


async def test_backup_then_restore_gives_identical_counts_and_checksums(
    desk: Desk, empty_database: str, tmp_path: Path
) -> None:
    dump, manifest = await backups.backup(desk, tmp_path, now=NOW)
    assert dump.exists() and backups.manifest_path(dump).exists()
    written = orjson.loads(backups.manifest_path(dump).read_bytes())
    assert written["format"] == "helpdesk-backup/1"
    assert written["schema_revision"] == manifest.schema_revision is not None
    assert written["sha256"] == manifest.sha256 and len(manifest.sha256) == 64
    assert manifest.tables["tickets"].rows == 3
    assert manifest.tables["interactions"].rows == 3
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    checked = await backups.restore(empty_database, dump)
    assert checked.tables == len(manifest.tables)
    restored = await census(empty_database)
    assert restored == manifest.tables
    # The source has moved on only by the record of the backup itself.
    source = await census(desk.db.url)
    assert {k: v for k, v in source.items() if k != "backups"} == {
        k: v for k, v in manifest.tables.items() if k != "backups"
    }
    assert source["backups"].rows == manifest.tables["backups"].rows + 1


async def test_restore_refuses_a_database_that_is_not_empty(
    desk: Desk, template_url: str, server_url: str, tmp_path: Path
) -> None:
    dump, _ = await backups.backup(desk, tmp_path, now=NOW)
    name = f"t_full_{uuid.uuid4().hex[:12]}"
    url = await create_database_from_template(server_url, name)
    try:
        with pytest.raises(backups.BackupFailed, match="not empty"):
            await backups.restore(url, dump)
    finally:
        await drop_database(server_url, name)


async def test_a_damaged_backup_is_refused(desk: Desk, empty_database: str, tmp_path: Path) -> None:
    dump, _ = await backups.backup(desk, tmp_path, now=NOW)
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(backups.BackupFailed, match="damaged"):
        await backups.restore(empty_database, dump)
    with pytest.raises(backups.BackupFailed, match="damaged"):
        await backups.verify(desk, dump, now=NOW)
    assert await census(empty_database) == {}


async def test_verify_restores_into_a_scratch_database_and_admins_see_the_last_backup(
    desk: Desk, tmp_path: Path
) -> None:
    app = desk.app  # type: ignore[attr-defined]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {desk.admin_key}"},  # type: ignore[attr-defined]
    ) as client:
        assert (await client.get("/v1/backups/last")).status_code == 404
        dump, manifest = await backups.backup(desk, tmp_path, now=NOW)
        last = (await client.get("/v1/backups/last")).json()
        assert last["sha256"] == manifest.sha256 and last["verified_at"] is None
        assert last["tables"]["tickets"] == {
            "rows": 3,
            "checksum": manifest.tables["tickets"].checksum,
        }
        assert last["file"] == str(dump.absolute())

        checked = await backups.verify(desk, dump, now=NOW)
        assert checked.rows == sum(t.rows for t in manifest.tables.values())
        last = (await client.get("/v1/backups/last")).json()
        assert last["verified_at"] == "2026-03-02T09:00:00Z"

        viewer = await auth.create_key(
            desk, ApiKeyCreate(name="viewer", role="viewer"), now=utcnow()
        )
        seen = await client.get(
            "/v1/backups/last", headers={"Authorization": f"Bearer {viewer.key}"}
        )
        assert seen.status_code == 403
    async with connection(desk.db) as conn:
        scratch = await conn.fetchval(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'helpdesk_verify_%'"
        )
    assert scratch == 0


def test_the_commands_back_up_verify_and_restore(
    desk: Desk, empty_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", desk.db.url)
    monkeypatch.setenv("HELPDESK_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        made = runner.invoke(helpdesk.cli, ["backup"])
        assert made.exit_code == 0, made.output
        (dump,) = (tmp_path / "data" / "backups").glob("*.dump")
        assert str(dump) in made.output

        verified = runner.invoke(helpdesk.cli, ["backup", "--verify", str(dump)])
        assert verified.exit_code == 0, verified.output
        assert "is restorable" in verified.output

        restored = runner.invoke(helpdesk.cli, ["restore", str(dump), "--into", empty_database])
        assert restored.exit_code == 0, restored.output
        again = runner.invoke(helpdesk.cli, ["restore", str(dump), "--into", empty_database])
        assert again.exit_code == 1
        assert "not empty" in again.output
    finally:
        get_settings.cache_clear()


async def test_the_manifest_counts_what_the_dump_holds_even_while_writes_go_on(
    desk: Desk, empty_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ticket committed while pg_dump runs is in neither the dump nor its counts."""
    real_run = backups._run

    async def run_with_a_write(name: str, *args: str, url: str) -> None:
        if name == "pg_dump":
            other: Database = await connect(desk.db.url)
            try:
                async with connection(other) as conn:
                    await conn.execute(
                        "UPDATE tickets SET subject = 'changed meanwhile'"
                        " WHERE id = (SELECT min(id) FROM tickets)"
                    )
            finally:
                await other.close()
        await real_run(name, *args, url=url)

    monkeypatch.setattr(backups, "_run", run_with_a_write)
    dump, manifest = await backups.backup(desk, tmp_path, now=NOW)
    await backups.restore(empty_database, dump)
    assert await census(empty_database) == manifest.tables
    assert (await census(desk.db.url))["tickets"] != manifest.tables["tickets"]
