"""Shared building blocks: the Strict request base, constrained types, Page, Problem, Health."""

import re
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic.networks import validate_email

T = TypeVar("T")

# How a ticket is classified: shared by tickets and the SLA policies that match on them.
TicketType = Literal["incident", "service_request", "question", "problem", "planned"]
Priority = Literal["critical", "high", "medium", "low"]
Channel = Literal["phone", "email", "chat", "web", "api"]
# The support line a team works at and a ticket sits at.
Tier = Annotated[int, Field(ge=1, le=3)]

# White space (Unicode White_Space), spelled out: `\s` is three sets, Unicode but U+0085 to JSON
# Schema (ECMA-262), ASCII to Python's re as schemathesis reads a schema, White_Space to
# pydantic's Rust engine. Patterns name the characters, so every reader agrees.
SPACE = r"\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
BLANK = "".join(chr(c) for c in range(0x3001) if re.fullmatch(f"[{SPACE}]", chr(c)))
# Text that must hold one character other than white space.
NOT_BLANK = f"[^{SPACE}]"


def _stripped(value: str) -> str:
    return value.strip(BLANK)


# Free text is checked as sent (its length and pattern are what the schema says), then stored
# without its surrounding white space.
Stripped = AfterValidator(_stripped)
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NOT_BLANK), Stripped]
ShortText = Annotated[str, StringConstraints(max_length=200), Stripped]
LanguageTag = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=35)
]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a time zone offset, e.g. 2026-03-01T09:00:00Z")
    try:
        year = value.astimezone(UTC).year
    except OverflowError:
        year = 0
    # Up to 9000, not 9999: the deadlines derived from an instant (a callback's grace, years of
    # business time) must still be representable.
    if not 1900 <= year <= 9000:
        raise ValueError("must be between the years 1900 and 9000")
    return value


_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*", re.ASCII)


def _text_instant(value: Any) -> Any:
    # A number is not an instant here, nor text that is one (pydantic reads both as Unix
    # seconds): `?until=0.5` is a mistake to name, not 1970.
    if (isinstance(value, int | float) and not isinstance(value, bool)) or (
        isinstance(value, str) and _NUMBER.fullmatch(value)
    ):
        raise ValueError("must be an RFC 3339 date-time, e.g. 2026-03-01T09:00:00Z")
    return value


# Request bodies are strict (below); an instant still comes as text, in JSON and query strings.
AwareDatetime = Annotated[
    datetime,
    Field(strict=False),
    BeforeValidator(_text_instant),
    AfterValidator(_aware),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "With its offset; between the years 1900 and 9000.",
        }
    ),
]


_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def _text_date(value: Any) -> Any:
    # Only an RFC 3339 full-date: pydantic would read a number (`0`, "0") as Unix seconds and
    # cut an instant ("2026-03-01T00:00:00") down to its day.
    if isinstance(value, date) or (isinstance(value, str) and _FULL_DATE.fullmatch(value)):
        return value
    raise ValueError("must be an RFC 3339 date as text, e.g. 2026-03-01")


def _in_years(value: date) -> date:
    if not 1900 <= value.year <= 9000:
        raise ValueError("must be between the years 1900 and 9000")
    return value


# A day, in request bodies and queries alike: text in RFC 3339's full-date form, in the years
# every instant of the API may take.
FullDate = Annotated[
    date,
    Field(strict=False),
    BeforeValidator(_text_date),
    AfterValidator(_in_years),
    WithJsonSchema({"type": "string", "format": "date"}),
]


def _known_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone '{value}'") from None
    return value


TimeZoneName = Annotated[str, AfterValidator(_known_zone)]


@lru_cache(maxsize=65_536)
def _valid_email(value: str) -> str:
    # pydantic's EmailStr check (60 µs a call), remembered: gateways send the same addresses
    # over and over. Invalid ones raise, and are not remembered.
    return validate_email(value)[1]


# EmailStr, with its check cached.
Email = Annotated[
    str, AfterValidator(_valid_email), WithJsonSchema({"format": "email", "type": "string"})
]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _whole_numbers(value: Any) -> Any:
    """JSON's 2.0 is the integer 2 (JSON Schema says so): strict validation then takes it where
    an integer is due, and still refuses `true` there and `1` where a boolean is."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


class Strict(BaseModel):
    """Requests: unknown fields are an error, not silently dropped; values are of the type
    they are documented as (no `0` for false, no `false` for 0, no number for a text); text
    cannot hold NUL characters (PostgreSQL text cannot store them)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("text must not contain NUL (\\u0000) characters")
        return _whole_numbers(data)


# Ids are bigints: anything outside 1 … 2^63-1 names nothing, and must not reach the database.
MAX_ID = 2**63 - 1
QueryIdValue = Annotated[int, Field(ge=1, le=MAX_ID)]
# Free text in query strings: bounded, no NUL characters.
QueryTextValue = Annotated[str, Field(max_length=320, pattern=r"^[^\x00]*$")]


class ProblemField(BaseModel):
    field: str = Field(description="Where: a body field path, or `query.<name>`, `header.<name>`.")
    message: str
    type: str | None = Field(default=None, description="The validation rule that failed.")


class Problem(BaseModel):
    """Every error the API answers: an RFC 9457 problem (`application/problem+json`). Some
    kinds add members: `errors` (each failing field), `field` (the one at fault), `allowed`
    (the statuses a ticket may move to)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A stable URI naming the kind of problem.")
    title: str
    status: int
    detail: str = Field(description="What went wrong, for a person.")
    instance: str | None = Field(default=None, description="The path the request was made to.")
    errors: list[ProblemField] | None = None


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null at the end."
    )


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    detail: str | None = None


def no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


# A PATCH field that may be left out but not cleared: no `null` in its schema, none accepted.
OMITTED: Any = Field(default=None, json_schema_extra=no_default)
