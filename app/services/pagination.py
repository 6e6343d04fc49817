"""Opaque keyset cursors: a page continues after the last row seen, never by OFFSET."""

import base64
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import InvalidCursor

MAX_LIMIT = 200


def encode_cursor(sort: str, values: Sequence[Any]) -> str:
    raw = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    payload = json.dumps({"s": sort, "k": raw}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, kinds: Sequence[type]) -> list[Any]:
    """The key values inside `cursor`; InvalidCursor (400) if it is not one we issued for `sort`."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if payload["s"] != sort or len(payload["k"]) != len(kinds):
            raise ValueError("cursor belongs to another listing")
        values: list[Any] = []
        for kind, raw in zip(kinds, payload["k"], strict=True):
            if raw is None:
                values.append(None)
            elif kind is datetime:
                values.append(datetime.fromisoformat(raw))
            elif kind is int and isinstance(raw, int) and not isinstance(raw, bool):
                values.append(raw)
            else:
                raise ValueError("unexpected key value")
        return values
    except (ValueError, KeyError, TypeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidCursor(
            "the cursor is malformed or belongs to another listing or sort order; "
            "start again without `cursor`",
            field="cursor",
        ) from exc


def after(
    stmt: Select[Any],
    columns: Sequence[InstrumentedAttribute[Any]],
    values: Sequence[Any],
    *,
    descending: bool,
) -> Select[Any]:
    """Rows strictly after `values` in the (columns…) order: (a, b) > (x, y) as an OR-chain.

    Spelled out rather than as a row comparison so PostgreSQL can use each index's leading column
    for mixed-null keys too."""
    clauses = []
    for i, column in enumerate(columns):
        equal = [columns[j] == values[j] for j in range(i)]
        beyond = column < values[i] if descending else column > values[i]
        clauses.append(and_(*equal, beyond))
    return stmt.where(or_(*clauses))


def order(
    stmt: Select[Any], columns: Sequence[InstrumentedAttribute[Any]], *, descending: bool
) -> Select[Any]:
    return stmt.order_by(*[c.desc() if descending else c.asc() for c in columns])
