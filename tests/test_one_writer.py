"""Only the ticket-change writer (app/services/tickets/change.py) writes history lines and events:
no other module calls the store's writes of them, and no SQL outside their store modules inserts
into their tables (a new ticket's first line and event are its INSERT's, in store/tickets.py)."""

import ast
import re
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
WRITER = APP / "services" / "tickets" / "change.py"
# The store modules that hold the statements, and the ticket INSERT that writes a new ticket's
# "created" line and event in the same statement.
STATEMENTS = {
    APP / "store" / "history.py",
    APP / "store" / "events.py",
    APP / "store" / "tickets.py",
}
# (module, function): the writes only the writer may call, and the services' writers that the
# writer replaced (a path written against them would fail only when it runs).
WRITES = {
    ("app.store.history", "append"),
    ("app.store.events", "insert"),
    ("app.store.tickets", "write_change"),
    ("app.services.history", "write"),
    ("app.services.outbox", "emit"),
    ("app.services.outbox", "emit_all"),
    ("app.services.outbox", "emit_batch"),
    ("app.services.outbox", "ticket_changed"),
}
INSERT_SQL = re.compile(r"INSERT\s+INTO\s+(ticket_history|events)\b", re.IGNORECASE)


def writes_in(source: str) -> list[str]:
    """The calls of WRITES in `source` (a module's text), however the module was imported."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}  # local name -> module
    direct: dict[str, str] = {}  # local name -> "module.function"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for name in node.names:
                local = name.asname or name.name
                if (node.module, name.name) in WRITES:
                    direct[local] = f"{node.module}.{name.name}"
                aliases[local] = f"{node.module}.{name.name}"
        elif isinstance(node, ast.Import):
            for name in node.names:
                aliases[name.asname or name.name] = name.name
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            module = aliases.get(func.value.id)
            if (module, func.attr) in WRITES:
                found.append(f"{module}.{func.attr} (line {node.lineno})")
        elif isinstance(func, ast.Name) and func.id in direct:
            found.append(f"{direct[func.id]} (line {node.lineno})")
    return found


def test_the_check_finds_a_write_however_it_is_imported() -> None:
    assert writes_in("from app.store import history\nawait history.append(conn, [])\n")
    assert writes_in("from app.store import events as e\nawait e.insert(conn, [])\n")
    assert writes_in("from app.store.history import append\nawait append(conn, [])\n")
    assert writes_in("from app.services import outbox\nawait outbox.emit(conn, 'x', 1, {}, now)\n")
    assert writes_in("from app.store import tickets\nawait tickets.write_change(conn, 1)\n")
    assert not writes_in("from app.store import history\nawait history.page(conn)\n")


def test_only_the_ticket_change_writer_writes_history_and_events() -> None:
    offenders = {}
    for path in sorted(APP.rglob("*.py")):
        if path == WRITER:
            continue
        text = path.read_text()
        found = writes_in(text)
        if path not in STATEMENTS and INSERT_SQL.search(text):
            found.append("SQL inserting into ticket_history or events")
        if found:
            offenders[str(path.relative_to(APP.parent))] = found
    assert offenders == {}, "write through app/services/tickets/change.py instead"
