"""What the tables share: the xid8 type, and the shapes of timestamp, reference and txid columns."""

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    text,
)
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.types import UserDefinedType
from sqlmodel import Field

from app.domain.search import CONFIGS, PLAIN


class Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id: what feed cursors order by (see migration 0005)."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "XID8"


# Reflection (autogenerate's comparison) knows the type by this name.
ischema_names["xid8"] = Xid8


# The id of the transaction writing a row: a feed serves a row only once every transaction
# older than it has ended, so a row committed late is never skipped by a cursor.
def txid() -> Any:
    return Field(
        default=None,
        sa_column=Column(Xid8(), nullable=False, server_default=text("pg_current_xact_id()")),
    )


# A ticket's words, stemmed in its language (app.domain.search; migration 0005 spells it out).
TICKET_SEARCH_VECTOR = (
    "to_tsvector(CASE split_part(lower(coalesce(language, '')), '-', 1) "
    + " ".join(f"WHEN '{tag}' THEN '{config}'::regconfig" for tag, config in CONFIGS.items())
    + f" ELSE '{PLAIN}'::regconfig END, coalesce(subject, '') || ' ' || coalesce(description, ''))"
)


def timestamp(nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_type=DateTime(timezone=True), nullable=nullable, index=index)


def reference(target: str, nullable: bool = True, index: bool = True) -> Any:
    return Field(
        default=None,
        sa_type=BigInteger,
        foreign_key=target,
        nullable=nullable,
        index=index,
    )
