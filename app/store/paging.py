"""Keyset pages behind opaque cursors: a page continues after the last row seen, never by OFFSET."""

import base64
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from app.errors import InvalidCursor

MAX_LIMIT = 200
BIGINT_MAX = 2**63 - 1
INFINITY = "'infinity'::timestamptz"


class Params:
    """Positional parameters for asyncpg: each value added once, referred to as $n."""

    def __init__(self, *values: Any) -> None:
        self.values: list[Any] = list(values)

    def __call__(self, value: Any, cast: str = "") -> str:
        self.values.append(value)
        return f"${len(self.values)}{'::' + cast if cast else ''}"


_CASTS: dict[type, str] = {int: "bigint", float: "float8", bool: "boolean"}


@dataclass(frozen=True)
class KeyColumn:
    """One column of a listing's order. `last_if_null`: a null timestamp sorts after every
    other (it is stored in the cursor as null and compared as infinity)."""

    sql: str
    kind: type  # int, float, bool or datetime
    last_if_null: bool = False

    @property
    def expression(self) -> str:
        return f"coalesce({self.sql}, {INFINITY})" if self.last_if_null else self.sql

    def bound(self, p: Params, value: Any) -> str:
        if self.kind is datetime:
            param = p(value, "timestamptz")
            return f"coalesce({param}, {INFINITY})" if self.last_if_null else param
        return p(value, _CASTS[self.kind])


@dataclass(frozen=True)
class Order:
    """A listing's keyset order: its name (cursors of another listing are refused), the key
    columns (the last one unique, usually `id`) and the direction."""

    listing: str
    columns: tuple[KeyColumn, ...]
    descending: bool = False


def encode_cursor(listing: str, values: Sequence[Any]) -> str:
    raw = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(orjson.dumps({"s": listing, "k": raw})).decode().rstrip("=")


def decode_cursor(cursor: str, listing: str, kinds: Sequence[type]) -> list[Any]:
    """The key values inside `cursor`; InvalidCursor (400) if it is not one this listing issued."""
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if payload["s"] != listing or len(payload["k"]) != len(kinds):
            raise ValueError("the cursor belongs to another listing")
        return [_key_value(kind, raw) for kind, raw in zip(kinds, payload["k"], strict=True)]
    except (ValueError, KeyError, TypeError, orjson.JSONDecodeError) as exc:
        raise InvalidCursor(
            "the cursor is malformed or belongs to another listing or sort order; "
            "start again without `cursor`",
            field="cursor",
        ) from exc


def _key_value(kind: type, raw: Any) -> Any:
    if raw is None:
        return None
    if kind is datetime and isinstance(raw, str):
        value = datetime.fromisoformat(raw)
        if value.tzinfo is None:
            raise ValueError("a cursor instant carries its offset")
        return value
    if kind is float and isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if kind is int and isinstance(raw, int) and not isinstance(raw, bool):
        if not 0 <= raw <= BIGINT_MAX:
            raise ValueError("a cursor id is out of range")
        return raw
    if kind is bool and isinstance(raw, bool):
        return raw
    raise ValueError("unexpected key value")


async def fetch_page(
    conn: asyncpg.Connection,
    *,
    columns: str,
    source: str,
    where: Sequence[str],
    params: Params,
    order: Order,
    cursor: str | None,
    limit: int,
    recorded: Callable[[str], str] | None = None,
) -> tuple[list[asyncpg.Record], str | None]:
    """Up to `limit` rows (`columns` of `source`, a table or join) filtered by `where`, after the
    cursor, in `order`; and the cursor of the next page (None on the last). `recorded` wraps
    the statement in one that also writes the listing's audit entry (audit.recording_list).

    The key columns are compared as one row value, so PostgreSQL walks the index that has them."""
    conditions = list(where)
    key = order.columns
    if cursor:
        after = decode_cursor(cursor, order.listing, [c.kind for c in key])
        keys = ", ".join(c.expression for c in key)
        bounds = ", ".join(c.bound(params, v) for c, v in zip(key, after, strict=True))
        conditions.append(f"({keys}) {'<' if order.descending else '>'} ({bounds})")
    direction = "DESC" if order.descending else "ASC"
    key_select = ", ".join(f"{c.expression} AS _key{i}" for i, c in enumerate(key))
    sql = (
        f"SELECT {columns}, {key_select} FROM {source}"
        f"{' WHERE ' + ' AND '.join(conditions) if conditions else ''}"
        f" ORDER BY {', '.join(f'{c.expression} {direction}' for c in key)}"
        # The limit written out, not a parameter: with it unknown, the generic plan is costed
        # as if it read a tenth of the table, and each page would be planned anew (~0.1 ms).
        f" LIMIT {int(limit) + 1}"
    )
    if recorded is not None:
        sql = recorded(sql)
    rows = await conn.fetch(sql, *params.values)
    if recorded is not None and rows and rows[0][f"_key{len(key) - 1}"] is None:
        rows = []  # an empty page, as the audited statement returns it: one row of nulls
    if len(rows) <= limit:
        return list(rows), None
    last = rows[limit - 1]
    return list(rows[:limit]), encode_cursor(
        order.listing, [_cursor_value(last[f"_key{i}"]) for i in range(len(key))]
    )


def _cursor_value(value: Any) -> Any:
    # PostgreSQL's infinity arrives as datetime.max: "no value", which the cursor says as null.
    if isinstance(value, datetime) and value.replace(tzinfo=None) == datetime.max:
        return None
    return value


# ---- feeds: commit order, never skipping a row committed late --------------------------------

# A row is served once every transaction older than the one that wrote it has ended: then no
# row can still appear before it. `txid` is the writing transaction's id (xid8, migration 0005).
_SETTLED = "txid < pg_snapshot_xmin(pg_current_snapshot())"


async def fetch_feed(
    conn: asyncpg.Connection,
    *,
    columns: str,
    source: str,
    where: Sequence[str],
    params: Params,
    listing: str,
    cursor: str | None,
    limit: int,
) -> tuple[list[asyncpg.Record], str]:
    """Up to `limit` settled rows after the cursor in commit order, and the cursor to follow
    with: always given, also at the end of the feed, so a consumer polls with it and never
    misses nor repeats a row."""
    txid, last_id = decode_cursor(cursor, listing, [int, int]) if cursor else (0, 0)
    conditions = [
        *where,
        _SETTLED,
        f"(txid, id) > ({params(str(txid), 'text')}::xid8, {params(last_id, 'bigint')})",
    ]
    sql = (
        f"SELECT {columns}, txid::text AS _txid FROM {source}"
        f" WHERE {' AND '.join(conditions)} ORDER BY txid, id LIMIT {params(limit)}"
    )
    rows = await conn.fetch(sql, *params.values)
    if rows:
        txid, last_id = int(rows[-1]["_txid"]), rows[-1]["id"]
    return list(rows), encode_cursor(listing, [txid, last_id])


def rows_of(row_type: Any, records: Sequence[asyncpg.Record]) -> list[Any]:
    """`records` of a page or feed as `row_type` values (a dataclass): the columns the page
    added for its keys and cursor are left out."""
    names = [f.name for f in dataclasses.fields(row_type)]
    return [row_type(**{name: record[name] for name in names}) for record in records]
