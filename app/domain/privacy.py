"""Personal data: what of a customer and their tickets is personal, and how it is redacted."""

from collections.abc import Iterable, Mapping
from typing import Any

from app.domain.personal_data import WHOLE_FIELDS

ERASED = "[erased]"

# A ticket's own words and the things it names about the customer's equipment or account.
TICKET_TEXT_FIELDS = ("subject", "description")
TICKET_ASSET_FIELDS = (
    "product",
    "model_number",
    "serial_number",
    "account_number",
    "equipment_location",
)
# What a history line may hold about a person: the values of these fields are redacted
# whatever they are; any other value is redacted only where it mentions personal data.
PERSONAL_FIELDS = frozenset(
    (
        *TICKET_TEXT_FIELDS,
        *TICKET_ASSET_FIELDS,
        "name",
        "email",
        "phone",
        "organization",
        "customer",
        "body",
        "author_name",
        "note",
        "priority_override_reason",
        "external_id",
        *WHOLE_FIELDS,
    )
)
# Shorter values are only redacted where a text is exactly them: "Al" must not take every
# "Also" of a ticket's history with it.
MIN_MENTION = 4


def customer_name(customer_id: int) -> str:
    """What an erased customer is called from then on."""
    return f"erased customer {customer_id}"


def mentions(values: Iterable[str | None]) -> frozenset[str]:
    """The personal values to look for in free text, lower-cased; the redaction marker and
    blanks are not personal."""
    found = set()
    for value in values:
        if value is None:
            continue
        value = value.strip().lower()
        if value and value != ERASED:
            found.add(value)
    return frozenset(found)


def mentioned(text: str, personal: frozenset[str]) -> bool:
    """Whether `text` holds one of the personal values (case-insensitively)."""
    lowered = text.lower()
    return any(
        value == lowered.strip() or (len(value) >= MIN_MENTION and value in lowered)
        for value in personal
    )


def scrub_text(text: str | None, personal: frozenset[str]) -> str | None:
    """`text`, or the marker if it mentions personal data."""
    if text is None or not mentioned(text, personal):
        return text
    return ERASED


def redact_quoted(text: str | None, quoted: Iterable[str], personal: frozenset[str]) -> str | None:
    """An explanation the desk wrote (a priority's or a route's reason) with the typed text it
    quotes replaced by the marker; the marker alone if it still mentions personal data."""
    if text is None:
        return None
    for q in sorted({q for q in quoted if q and q.strip()}, key=len, reverse=True):
        text = text.replace(q, ERASED)
    return scrub_text(text, personal)


def scrub_value(value: Any, personal: frozenset[str], *, field: str | None = None) -> Any:
    """A JSON value with every string that is personal, or mentions personal data, redacted;
    objects keep their keys (a history line still says which fields changed)."""
    if value is None:
        return None
    if field in PERSONAL_FIELDS:
        # The whole value: an inline customer, an asset's name, a subject.
        return ERASED if not isinstance(value, Mapping) else _scrub_mapping(value, personal, True)
    if isinstance(value, str):
        return scrub_text(value, personal)
    if isinstance(value, Mapping):
        return _scrub_mapping(value, personal, False)
    if isinstance(value, list):
        return [scrub_value(v, personal) for v in value]
    return value


def _scrub_mapping(value: Mapping[str, Any], personal: frozenset[str], whole: bool) -> Any:
    return {
        k: (ERASED if whole and v is not None else scrub_value(v, personal, field=k))
        for k, v in value.items()
    }


def scrub_tags(tags: list[str], personal: frozenset[str]) -> list[str]:
    """A ticket's tags without those that mention personal data."""
    return [t for t in tags if not mentioned(t, personal)]
