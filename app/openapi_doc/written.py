"""What the API reference says in people's words: a summary for every operation, realistic
examples (a Dutch customer, a Greek calendar, a Thai ticket) for request bodies and for the fields
the responses are made of, and what each field means. The text lives in a module per group of API
tags beside this one (written_tickets, written_desk, written_integrations, written_operations,
written_kb, written_qa, written_reports) and, for fields by their name wherever they appear, in
written_fields and written_descriptions; this module merges their tables and `annotate` writes
them into the OpenAPI document the app serves."""

from types import ModuleType
from typing import Any

from app.openapi_doc import (
    written_desk,
    written_integrations,
    written_kb,
    written_operations,
    written_qa,
    written_reports,
    written_tickets,
)
from app.openapi_doc.examples import _example
from app.openapi_doc.written_descriptions import DESCRIPTIONS as _FIELD_DESCRIPTIONS
from app.openapi_doc.written_fields import FIELDS

Spec = dict[str, Any]

BY_TAG = (
    written_tickets,
    written_desk,
    written_integrations,
    written_operations,
    written_kb,
    written_qa,
    written_reports,
)


def _merged(
    table: str, *modules: ModuleType, start: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`table` of every module that has one, as one dict; a key two modules both give is a
    mistake (which text would win would depend on the order), refused at import."""
    merged: dict[str, Any] = dict(start or {})
    for module in modules:
        for key, value in getattr(module, table, {}).items():
            if key in merged:
                raise ValueError(f"{table}[{key!r}] is written twice (in {module.__name__})")
            merged[key] = value
    return merged


SUMMARIES: dict[str, str] = _merged("SUMMARIES", *BY_TAG)
SCHEMA_FIELDS: dict[str, dict[str, Any]] = _merged("SCHEMA_FIELDS", *BY_TAG)
SCHEMAS: dict[str, Any] = _merged("SCHEMAS", *BY_TAG)
REQUESTS: dict[str, Any] = _merged("REQUESTS", *BY_TAG)
RESPONSES: dict[str, Any] = _merged("RESPONSES", *BY_TAG)
DESCRIPTIONS: dict[str, str] = _merged("DESCRIPTIONS", *BY_TAG, start=_FIELD_DESCRIPTIONS)
SCHEMA_DESCRIPTIONS: dict[str, dict[str, str]] = _merged("SCHEMA_DESCRIPTIONS", *BY_TAG)


_JSON_TYPES = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}


def _fits(field: dict[str, Any], value: Any) -> bool:
    """Whether `value` can stand for `field` by its type and allowed values (a rough check,
    enough to keep a name's example out of a field of another kind)."""
    if "enum" in field:
        return value in field["enum"]
    if "const" in field:
        return bool(value == field["const"])
    if "$ref" in field:
        return isinstance(value, dict | list)
    choices = field.get("anyOf") or field.get("oneOf")
    if choices:
        return any(_fits(c, value) for c in choices)
    kind = field.get("type")
    if kind is None:
        return True
    if kind == "null":
        return value is None
    if kind == "array" and isinstance(value, list) and isinstance(field.get("items"), dict):
        return all(_fits(field["items"], v) for v in value)
    if isinstance(value, bool) and kind != "boolean":
        return False
    if isinstance(value, int | float) and not (
        field.get("minimum", value) <= value <= field.get("maximum", value)
    ):
        return False
    return isinstance(value, _JSON_TYPES.get(str(kind), object))


# Schemas nested deeper than the reference expands examples: their example is composed from
# their fields' once, so wherever they appear they are shown whole.
COMPOSED = ("CalendarOut", "SlaPolicyOut", "TicketSlaOut", "TicketOut", "ExportedTicket")


def _media(operation: dict[str, Any], code: str | None) -> dict[str, Any] | None:
    """The media type object of a request body (code None) or of a response."""
    if code is None:
        content = operation.get("requestBody", {}).get("content", {})
    else:
        content = operation.get("responses", {}).get(code, {}).get("content", {})
    return next(iter(content.values()), None) if content else None


def annotate(spec: Spec) -> Spec:
    """`spec` with the summaries, examples and field descriptions of this module written in
    (in place, and returned)."""
    describe(spec)
    schemas = spec.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        for field_name, field in schema.get("properties", {}).items():
            if "examples" in field or "example" in field:
                continue
            own = SCHEMA_FIELDS.get(name, {})
            value = own.get(field_name, FIELDS.get(field_name, ...))
            if field_name in own or (value is not ... and _fits(field, value)):
                field["examples"] = [value]
        if name in SCHEMAS:
            schema["examples"] = [SCHEMAS[name]]
    for name in COMPOSED:
        if name in schemas and "examples" not in schemas[name]:
            schemas[name]["examples"] = [_example(spec, schemas[name])]
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            op_id = operation.get("operationId")
            if op_id in SUMMARIES:
                operation["summary"] = SUMMARIES[op_id]
            request = _media(operation, None)
            if request is not None and op_id in REQUESTS:
                request["example"] = REQUESTS[op_id]
            if op_id in RESPONSES:
                for code, response in operation.get("responses", {}).items():
                    if code.startswith("2"):
                        for media in response.get("content", {}).values():
                            media["example"] = RESPONSES[op_id]
    return spec


def describe(spec: Spec) -> None:
    """Fill the description of every field (and query parameter) the code left without one."""
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        own = SCHEMA_DESCRIPTIONS.get(name, {})
        for field_name, field in schema.get("properties", {}).items():
            text = own.get(field_name) or DESCRIPTIONS.get(field_name)
            if text and not field.get("description"):
                field["description"] = text
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                text = DESCRIPTIONS.get(str(parameter.get("name")))
                if text and not parameter.get("description"):
                    parameter["description"] = text
