"""What the QA store modules share to build their statements: a row type's column list, an
INSERT of named values."""

from dataclasses import fields
from typing import Any


def columns(row_type: Any) -> str:
    return ", ".join(f.name for f in fields(row_type))


def insert(table: str, values: dict[str, Any], returning: str) -> tuple[str, list[Any]]:
    names = list(values)
    placeholders = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({placeholders}) RETURNING {returning}"
    return sql, [values[n] for n in names]
