"""Records as NDJSON or CSV, whichever the client's Accept header asks for."""

import csv
import io
from collections.abc import Sequence
from typing import Any

import orjson

NDJSON = "application/x-ndjson"
CSV = "text/csv"


def media_for(accept: str | None) -> str:
    """CSV when the client asks for it, else NDJSON (also for */* and no Accept at all)."""
    return CSV if accept and CSV in accept.lower() else NDJSON


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)  # tags: one cell
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return "" if value is None else value


def render(records: Sequence[dict[str, Any]], columns: Sequence[str], media: str) -> bytes:
    if media == CSV:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        for record in records:
            writer.writerow([_cell(record[c]) for c in columns])
        return out.getvalue().encode()
    option = orjson.OPT_UTC_Z | orjson.OPT_APPEND_NEWLINE
    return b"".join(orjson.dumps(record, option=option) for record in records)
