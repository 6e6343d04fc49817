"""The `helpdesk` command and its subcommands; it alone reads the environment."""

import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.domain.access import ROLES
from app.settings import Settings, get_settings

# "admin, supervisor, agent, integration or viewer"
ROLE_CHOICES = f"{', '.join(ROLES[:-1])} or {ROLES[-1]}"

cli = typer.Typer(help="helpdesk: a headless help-desk service.", no_args_is_help=True)
keys_cli = typer.Typer(help="Manage API keys.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")


def resolve_database_url(settings: Settings) -> str:
    """DATABASE_URL if set, else the embedded PostgreSQL under the data dir (started if needed)."""
    if settings.database_url:
        return settings.database_url
    from app.db import start_embedded_postgres

    typer.echo(
        f"DATABASE_URL is not set: using the embedded PostgreSQL in {settings.data_dir}/", err=True
    )
    return start_embedded_postgres(settings.data_dir)


async def _bootstrap_admin_key(url: str, settings: Settings) -> str | None:
    """On the very first start there is no key at all: make an admin key and return its secret."""
    from app.clock import utcnow
    from app.db import Limits, connect
    from app.schemas import ApiKeyCreate
    from app.services import auth
    from app.services.context import Desk

    db = await connect(url, Limits(pool_size=1))
    try:
        desk = Desk.of(db, settings)
        if await auth.has_any_key(desk):
            return None
        created = await auth.create_key(
            desk, ApiKeyCreate(name="bootstrap admin", role="admin"), now=utcnow()
        )
        return created.key
    finally:
        await db.close()


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Serve the API only; run 'helpdesk worker' apart.")
    ] = False,
) -> None:
    """Run the API (and, unless --no-worker, the workers: timers, webhook deliveries, metrics
    rollups) in this process."""

    from app.db import migrate
    from app.http import server
    from app.logs import configure
    from app.main import create_app

    settings = get_settings()
    configure(settings.log_level, settings.log_format)
    open_files = server.raise_open_files_limit()
    url = resolve_database_url(settings)
    migrate(url)
    secret = asyncio.run(_bootstrap_admin_key(url, settings))
    if not no_worker:
        asyncio.run(_arm_retention(url, settings))
    typer.echo(_greeting(settings, host, port, secret))
    app = create_app(settings, database_url=url, run_worker=not no_worker)
    if not settings.database_url:
        # The PostgreSQL this command started is this command's to keep running.
        import atexit

        from app.embedded import Watch

        watch = Watch(settings.data_dir.resolve() / "pgdata").start()
        # Exit handlers run last-registered first: the watch stops before the server does.
        atexit.register(watch.stop)
    # uvicorn shuts down gracefully, then re-raises SIGTERM; exiting through SystemExit instead
    # of the default handler lets atexit stop the embedded PostgreSQL we started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    pools = settings.db_pool_size * (2 if settings.database_read_url else 1)
    limits = server.fit_to_open_files(
        server.ServerLimits(
            max_header_bytes=settings.max_header_bytes,
            header_timeout=settings.header_timeout_seconds,
            keep_alive_seconds=settings.keep_alive_seconds,
            max_connections=settings.max_connections,
        ),
        open_files=open_files,
        in_use=server.open_descriptors(),
        pool_connections=pools,
    )
    logging.getLogger("helpdesk.server").info(
        "serving at most %d connections (503 past them, closed past %s); open-files limit %d",
        limits.max_connections,
        limits.max_open_connections,
        open_files,
    )
    server.Server(server.config(app, host=host, port=port, limits=limits)).run()


def _greeting(settings: Settings, host: str, port: int, secret: str | None) -> str:
    """What a person starting the service needs: where the data lives, the address, and on the
    very first start the admin key."""
    if settings.database_url:
        where = "PostgreSQL at " + settings.database_url.rsplit("@", 1)[-1]
    else:
        where = f"embedded PostgreSQL in {settings.data_dir.resolve()}"
    lines = [
        "helpdesk",
        f"  data:     {where}",
        f"  address:  http://{host}:{port}  (API reference at /docs)",
    ]
    if secret:
        lines += [
            "",
            "First start: an admin API key was created. It is shown only this once:",
            "",
            f"  {secret}",
            "",
        ]
    return "\n".join(lines)


@cli.command()
def worker() -> None:
    """Run only the workers (timers, webhook deliveries, metrics rollups; as many replicas
    as you like); stops cleanly on SIGTERM."""
    from app.clock import SystemClock
    from app.db import connect, migrate
    from app.logs import configure
    from app.main import limits_of
    from app.services.context import Desk
    from app.workers import rollups, webhooks
    from app.workers.timers import TimerWorker

    settings = get_settings()
    configure(settings.log_level, settings.log_format)
    url = resolve_database_url(settings)
    migrate(url)
    asyncio.run(_arm_retention(url, settings))

    async def run() -> None:
        db = await connect(url, limits_of(settings))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            desk = Desk.of(db, settings)
            await asyncio.gather(
                TimerWorker(desk, SystemClock()).run(stop),
                webhooks.deliver(desk, SystemClock(), stop),
                rollups.keep(desk, stop),
            )
        finally:
            await db.close()

    asyncio.run(run())


@cli.command("migrate")
def migrate_command() -> None:
    """Bring the database schema to the newest migration."""
    from app.db import migrate

    url = resolve_database_url(get_settings())
    migrate(url)
    typer.echo("database schema is at the newest migration")


@cli.command("rebuild-metrics")
def rebuild_metrics() -> None:
    """Work out the metrics' rollups again from every ticket, in one transaction: after a bulk
    load that bypassed the API, or on a large desk after upgrading."""
    from app.db import connect
    from app.main import limits_of
    from app.services import rollups
    from app.services.context import Desk

    settings = get_settings()
    url = resolve_database_url(settings)

    async def run() -> int:
        db = await connect(url, limits_of(settings))
        try:
            return await rollups.rebuild(Desk.of(db, settings))
        finally:
            await db.close()

    typer.echo(f"rolled up {asyncio.run(run())} days")


@keys_cli.command("create")
def create_key(
    role: Annotated[str, typer.Option(help=f"{ROLE_CHOICES}.")],
    name: Annotated[str, typer.Option(help="Who or what uses the key.")],
    agent_id: Annotated[
        int | None, typer.Option(help="The agent the key acts as (authors its interactions).")
    ] = None,
) -> None:
    """Create an API key and print it (once: only its hash is stored)."""
    from pydantic import ValidationError

    from app.clock import utcnow
    from app.db import Limits, connect, migrate
    from app.errors import HelpdeskError
    from app.schemas import ApiKeyCreate
    from app.services import auth
    from app.services.context import Desk

    if role not in ROLES:
        typer.echo(f"invalid role: {role}; choose {ROLE_CHOICES}", err=True)
        raise typer.Exit(2)
    try:
        data = ApiKeyCreate(name=name, role=role, agent_id=agent_id)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        typer.echo(f"invalid {'.'.join(map(str, error['loc']))}: {error['msg']}", err=True)
        raise typer.Exit(2) from None
    settings = get_settings()
    url = resolve_database_url(settings)
    migrate(url)

    async def run() -> str:
        db = await connect(url, Limits(pool_size=1))
        try:
            return (await auth.create_key(Desk.of(db, settings), data, now=utcnow())).key
        finally:
            await db.close()

    try:
        secret = asyncio.run(run())
    except HelpdeskError as exc:  # an agent id that names no agent
        typer.echo(f"cannot create the key: {exc.detail}", err=True)
        raise typer.Exit(2) from None
    typer.echo(secret)


# ---- backups ---------------------------------------------------------------------------------


@cli.command("backup")
def backup_command(
    to: Annotated[
        Path | None,
        typer.Option(
            help="A private directory (0700) for the dump and its manifest "
            "[default: <data dir>/backups]."
        ),
    ] = None,
    verify: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Verify a backup instead: restore FILE into a scratch database and compare.",
        ),
    ] = None,
    new_key: Annotated[
        bool,
        typer.Option(
            "--new-key", help="Print a fresh key for HELPDESK_BACKUP_KEY and do nothing else."
        ),
    ] = False,
) -> None:
    """Write a consistent pg_dump (custom format), encrypted with HELPDESK_BACKUP_KEY, and its
    manifest (time, schema revision, rows and checksum of every table, sha256 of the file),
    both 0600 in a 0700 directory; or, with --verify, prove one restorable. Keep the key apart
    from the backups: without it they cannot be restored."""
    from app.services import backups

    if new_key:
        typer.echo(backups.new_key())
        return

    from app.clock import utcnow
    from app.db import Limits, connect, migrate
    from app.services.context import Desk

    settings = get_settings()
    url = resolve_database_url(settings)
    migrate(url)

    async def run() -> None:
        db = await connect(url, Limits(pool_size=2))
        try:
            desk = Desk.of(db, settings)
            if verify is not None:
                checked = await backups.verify(desk, verify, now=utcnow())
                typer.echo(
                    f"{verify} is restorable: {checked.tables} tables, {checked.rows} rows,"
                    " counts and checksums as in its manifest"
                )
                return
            dump, manifest = await backups.backup(desk, to, now=utcnow())
            rows = sum(t.rows for t in manifest.tables.values())
            typer.echo(
                f"wrote {dump} ({manifest.bytes} bytes, encrypted, sha256 {manifest.sha256}, "
                f"{len(manifest.tables)} tables, {rows} rows) and {backups.manifest_path(dump)}"
            )
        finally:
            await db.close()

    try:
        asyncio.run(run())
    except backups.BackupFailed as exc:
        typer.echo(f"backup failed: {exc}", err=True)
        raise typer.Exit(1) from None


@cli.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A dump written by 'helpdesk backup'.")],
    into: Annotated[
        str | None,
        typer.Option(
            metavar="URL", help="The empty database to restore into [default: DATABASE_URL]."
        ),
    ] = None,
) -> None:
    """Restore a backup into an EMPTY database (refuses one with tables), decrypting it with
    HELPDESK_BACKUP_KEY, and check every table's rows and checksum against its manifest."""
    from app.services import backups

    settings = get_settings()
    url = into or resolve_database_url(settings)
    key = None if settings.backup_key is None else settings.backup_key.get_secret_value()
    try:
        checked = asyncio.run(backups.restore(url, file, key=key))
    except backups.BackupFailed as exc:
        typer.echo(f"restore failed: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"restored {file} into {checked.database}: {checked.tables} tables, {checked.rows} rows,"
        " counts and checksums as in its manifest"
    )


async def _arm_retention(url: str, settings: Settings) -> int:
    """Closed tickets without a retention timer get one (retention set, or lengthened, since
    they closed): done once as the worker starts."""
    from app.clock import utcnow
    from app.db import Limits, connect
    from app.services import privacy
    from app.services.context import Desk

    if settings.retention_days is None:
        return 0
    db = await connect(url, Limits(pool_size=1))
    try:
        return await privacy.arm_retention_backlog(Desk.of(db, settings), utcnow())
    finally:
        await db.close()


@cli.command()
def openapi(
    output: Annotated[Path, typer.Option(help="Where to write the document.")] = Path("openapi.md"),
    check: Annotated[bool, typer.Option(help="Only check that the file is up to date.")] = False,
) -> None:
    """Render the OpenAPI description of the API into Markdown (openapi.md)."""
    from app.openapi_doc import render

    text = render()
    if check:
        if not output.exists() or output.read_text() != text:
            typer.echo(f"{output} is stale: run 'helpdesk openapi'", err=True)
            raise typer.Exit(1)
        typer.echo(f"{output} is up to date")
        return
    output.write_text(text)
    typer.echo(f"wrote {output}")


def main() -> None:
    cli(prog_name="helpdesk")


if __name__ == "__main__":
    sys.exit(main())
