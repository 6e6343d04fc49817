"""Backups: pg_dump encrypted with the operator's key, with a manifest, private files in a
private directory; restored into an empty database with identical counts and checksums,
verified in a scratch database; the last one shown to admins."""

import os
import stat
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from app import cli as helpdesk
from app.clock import utcnow
from app.db import Database, connect, connection, libpq_url
from app.main import create_app
from app.routers import privacy as privacy_router
from app.schemas import ApiKeyCreate
from app.services import auth, backups
from app.services.context import Desk
from app.settings import Settings, get_settings
from app.store import backups as store
from tests.conftest import create_database_from_template, database_url, drop_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEY = backups.new_key()
WEBHOOK_SECRET = "whsec_" + "c2VjcmV0LW9mLXRoZS1ob29rLXRoYXQtbXVzdC1ub3QtbGVhaw=="


@pytest.fixture
async def desk(fresh_database: str) -> AsyncIterator[Desk]:
    """A migrated database with a little of everything in it."""
    db = await connect(fresh_database)
    settings = Settings(database_url=fresh_database, backup_key=KEY)
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
        # The secrets a backup must not show: the key signing customer tokens (made as the
        # first token is minted) and a webhook's signing secret.
        minted = await client.post(f"/v1/customers/{customer['id']}/tokens")
        assert minted.status_code == 201, minted.text
        hook = await client.post(
            "/v1/webhooks",
            json={
                "url": "https://hooks.example.com/in",
                "event_types": ["ticket.created"],
                "secret": WEBHOOK_SECRET,
            },
        )
        assert hook.status_code == 201, hook.text
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
    assert written["format"] == "helpdesk-backup/2"
    assert written["schema_revision"] == manifest.schema_revision is not None
    assert written["sha256"] == manifest.sha256 and len(manifest.sha256) == 64
    assert manifest.tables["tickets"].rows == 3
    assert manifest.tables["interactions"].rows == 3
    assert dump.read_bytes().startswith(backups.ENCRYPTED_MAGIC)
    assert written["encryption"] == "fernet-chunks/1"

    checked = await backups.restore(empty_database, dump, key=KEY)
    assert checked.tables == len(manifest.tables)
    restored = await census(empty_database)
    assert restored == manifest.tables
    # The source has moved on only by the record of the backup itself (and its audit entry).
    moved = {"backups", "audit_log"}
    source = await census(desk.db.url)
    assert {k: v for k, v in source.items() if k not in moved} == {
        k: v for k, v in manifest.tables.items() if k not in moved
    }
    assert source["backups"].rows == manifest.tables["backups"].rows + 1
    assert source["audit_log"].rows == manifest.tables["audit_log"].rows + 1


async def test_restore_refuses_a_database_that_is_not_empty(
    desk: Desk, template_url: str, server_url: str, tmp_path: Path
) -> None:
    dump, _ = await backups.backup(desk, tmp_path, now=NOW)
    name = f"t_full_{uuid.uuid4().hex[:12]}"
    url = await create_database_from_template(server_url, name)
    try:
        with pytest.raises(backups.BackupFailed, match="not empty"):
            await backups.restore(url, dump, key=KEY)
    finally:
        await drop_database(server_url, name)


async def test_a_damaged_backup_is_refused(desk: Desk, empty_database: str, tmp_path: Path) -> None:
    dump, _ = await backups.backup(desk, tmp_path, now=NOW)
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(backups.BackupFailed, match="damaged"):
        await backups.restore(empty_database, dump, key=KEY)
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
    monkeypatch.setenv("HELPDESK_BACKUP_KEY", KEY)
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

    async def run_with_a_write(name: str, *args: str, url: str, **pipes: Any) -> None:
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
        await real_run(name, *args, url=url, **pipes)

    monkeypatch.setattr(backups, "_run", run_with_a_write)
    dump, manifest = await backups.backup(desk, tmp_path, now=NOW)
    await backups.restore(empty_database, dump, key=KEY)
    assert await census(empty_database) == manifest.tables
    assert (await census(desk.db.url))["tickets"] != manifest.tables["tickets"]


# ---- private: encrypted with the operator's key, files only their owner reads ----------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which a file is made readable by everyone unless asked not to."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


async def test_backup_files_are_0600_in_a_0700_directory_whatever_the_umask(
    desk: Desk, tmp_path: Path, umask_022: None
) -> None:
    to = tmp_path / "new" / "backups"
    dump, _ = await backups.backup(desk, to, now=NOW)
    assert _mode(to) == 0o700
    assert _mode(dump) == 0o600
    assert _mode(backups.manifest_path(dump)) == 0o600
    assert sorted(p.name for p in to.iterdir()) == sorted(
        [dump.name, backups.manifest_path(dump).name]
    )

    # The service's own default directory, left open by an earlier version, is tightened.
    data_dir = tmp_path / "data"
    (data_dir / "backups").mkdir(parents=True, mode=0o755)
    assert _mode(data_dir / "backups") == 0o755
    own = Desk.of(desk.db, desk.settings.model_copy(update={"data_dir": data_dir}))
    dump, _ = await backups.backup(own, now=NOW)
    assert dump.parent == data_dir / "backups" and _mode(dump.parent) == 0o700
    assert _mode(dump) == 0o600

    # A directory the operator names that others may open is refused, not changed.
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    with pytest.raises(backups.BackupFailed, match="other users"):
        await backups.backup(desk, shared, now=NOW)
    assert list(shared.iterdir()) == [] and _mode(shared) == 0o755


def _pg_restore_sql(dump: Path) -> subprocess.CompletedProcess[bytes]:
    """What pg_restore makes of a file without a database: the SQL it holds, in clear."""
    return subprocess.run(
        [backups.program("pg_restore"), "--file=-", str(dump)], capture_output=True, check=False
    )


def _decrypted_copy(dump: Path, to: Path) -> Path:
    with dump.open("rb") as lines:
        to.write_bytes(b"".join(backups._unsealed(backups.backup_keys(KEY), lines, dump)))
    return to


async def test_the_dump_holds_no_secret_in_clear(desk: Desk, tmp_path: Path) -> None:
    async with connection(desk.db) as conn:
        secrets = [r["value"] for r in await conn.fetch("SELECT value FROM service_secrets")]
        hooks = [r["secret"] for r in await conn.fetch("SELECT secret FROM webhook_subscriptions")]
    assert len(secrets) == 1 and hooks == [WEBHOOK_SECRET]
    dump, _ = await backups.backup(desk, tmp_path / "b", now=NOW)

    for file in (dump, backups.manifest_path(dump)):
        content = file.read_bytes()
        for secret in [*secrets, *hooks]:
            assert secret.encode() not in content
    assert b"ada@example.com" not in dump.read_bytes()
    unread = _pg_restore_sql(dump)
    assert unread.returncode != 0 and not unread.stdout  # not a dump to anyone without the key

    # With the key, it is all there: what the key guards.
    clear = _pg_restore_sql(_decrypted_copy(dump, tmp_path / "clear.dump"))
    assert clear.returncode == 0, clear.stderr
    for secret in [*secrets, *hooks]:
        assert secret.encode() in clear.stdout


async def test_without_the_key_nothing_is_written_and_nothing_restored(
    desk: Desk, empty_database: str, tmp_path: Path
) -> None:
    keyless = Desk.of(desk.db, desk.settings.model_copy(update={"backup_key": None}))
    with pytest.raises(backups.BackupFailed, match="HELPDESK_BACKUP_KEY is not set"):
        await backups.backup(keyless, tmp_path / "none", now=NOW)
    assert not (tmp_path / "none").exists()
    bad = Desk.of(desk.db, desk.settings.model_copy(update={"backup_key": SecretStr("not-a-key")}))
    with pytest.raises(backups.BackupFailed, match="not a backup key"):
        await backups.backup(bad, tmp_path / "none", now=NOW)

    dump, _ = await backups.backup(desk, tmp_path / "b", now=NOW)
    with pytest.raises(backups.BackupFailed, match="not the key it was written with"):
        await backups.restore(empty_database, dump, key=backups.new_key())
    with pytest.raises(backups.BackupFailed, match="is not set"):
        await backups.restore(empty_database, dump, key=None)
    assert await census(empty_database) == {}

    # A replaced key: the new one first (it encrypts), the old one still decrypts.
    await backups.restore(empty_database, dump, key=f"{backups.new_key()},{KEY}")
    assert (await census(empty_database))["tickets"].rows == 3


def _rewrite(dump: Path, lines: list[bytes]) -> None:
    """The dump with other chunk lines, its manifest's sha256 made to match: only the chunks'
    own checks can tell."""
    dump.write_bytes(b"".join(lines))
    manifest_file = backups.manifest_path(dump)
    body = orjson.loads(manifest_file.read_bytes())
    body["sha256"] = backups._sha256(dump)
    manifest_file.write_bytes(orjson.dumps(body))


async def test_chunks_dropped_moved_or_spliced_restore_nothing(
    desk: Desk, empty_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backups, "CHUNK_BYTES", 4096)
    dump, _ = await backups.backup(desk, tmp_path / "a", now=NOW)
    other, _ = await backups.backup(desk, tmp_path / "b", now=NOW)
    magic, *chunks = dump.read_bytes().splitlines(keepends=True)
    assert len(chunks) > 4
    _, *others = other.read_bytes().splitlines(keepends=True)
    cases = {
        "out of place": [magic, chunks[0], *chunks[2:]],
        "out of place ": [magic, chunks[0], chunks[2], chunks[1], *chunks[3:]],
        " out of place": [magic, chunks[0], others[1], *chunks[2:]],
        "truncated": [magic, *chunks[:-1]],
        "goes on after its last chunk": [magic, *chunks, chunks[-1]],
    }
    for problem, lines in cases.items():
        _rewrite(dump, lines)
        with pytest.raises(backups.BackupFailed, match=problem.strip()):
            await backups.restore(empty_database, dump, key=KEY)
        assert await census(empty_database) == {}, problem


async def test_a_backup_written_before_encryption_still_restores(
    desk: Desk, empty_database: str, tmp_path: Path
) -> None:
    dump, manifest = await backups.backup(desk, tmp_path / "b", now=NOW)
    plain = _decrypted_copy(dump, tmp_path / "b" / "plain.dump")
    body = orjson.loads(backups.manifest_path(dump).read_bytes())
    body.update(format="helpdesk-backup/1", file=plain.name, sha256=backups._sha256(plain))
    del body["encryption"]
    backups.manifest_path(plain).write_bytes(orjson.dumps(body))
    checked = await backups.restore(empty_database, plain, key=None)
    assert await census(empty_database) == manifest.tables
    assert checked.rows == sum(t.rows for t in manifest.tables.values())
