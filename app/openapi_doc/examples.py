"""Examples for the OpenAPI reference: the spec's own, else made from the schema."""

from typing import Any

from app.openapi_doc.text import Schema, Spec, _deref, _plain

# Examples stop nesting here (and at the first schema that refers back to itself).
MAX_EXAMPLE_DEPTH = 4


FORMAT_EXAMPLES = {
    "date-time": "2026-01-15T09:30:00Z",
    "date": "2026-01-15",
    "time": "09:30:00",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "hostname": "example.com",
    "duration": "P1D",
    "binary": "<binary>",
    "byte": "U3dhZ2dlcg==",
    "password": "********",
}


TYPE_EXAMPLES: dict[str, Any] = {
    "string": "string",
    "integer": 1,
    "number": 1.5,
    "boolean": True,
    "null": None,
}


class _Absent:
    """No example was given (distinct from an example that is `null`)."""


_ABSENT = _Absent()


def _given_example(spec: Spec, media: dict[str, Any], schema: Schema) -> Any:
    """The example the spec's author wrote for a media type or its (referenced) schema."""
    if "example" in media:
        return media["example"]
    if isinstance(media.get("examples"), dict) and media["examples"]:
        first = _deref(spec, media["examples"][sorted(media["examples"])[0]])
        if "value" in first:
            return first["value"]
    if schema:
        return _schema_example(_deref(spec, schema) if "$ref" in schema else schema)
    return _ABSENT


def _schema_example(schema: Schema) -> Any:
    if "example" in schema:
        return schema["example"]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    return _ABSENT


def _example(spec: Spec, schema: Schema, depth: int = 0, seen: frozenset[str] = frozenset()) -> Any:
    """A representative value for `schema`: its own example or default, else one per type,
    format or enum; a schema met again inside itself, or nested too deep, becomes empty."""
    if not isinstance(schema, dict):
        return None
    given = _schema_example(schema)
    if given is not _ABSENT:
        return given
    if schema.get("default") is not None:
        return schema["default"]
    if "$ref" in schema:
        ref = str(schema["$ref"])
        target = _deref(spec, schema)
        if ref in seen or depth >= MAX_EXAMPLE_DEPTH:
            return [] if target.get("type") == "array" else {}
        return _example(spec, target, depth, seen | {ref})
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            choices = [c for c in schema[key] if c.get("type") != "null"] or schema[key]
            return _example(spec, choices[0], depth, seen) if choices else None
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = _example(spec, part, depth, seen)
            if not isinstance(value, dict):
                return value
            merged.update(value)
        for name, field in schema.get("properties", {}).items():
            merged[name] = _example(spec, field, depth + 1, seen)
        return merged
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "array" or "items" in schema:
        items = schema.get("items")
        if depth >= MAX_EXAMPLE_DEPTH or not isinstance(items, dict) or items.get("$ref") in seen:
            return []
        return [_example(spec, items, depth + 1, seen)]
    if kind == "object" or "properties" in schema or "additionalProperties" in schema:
        if depth >= MAX_EXAMPLE_DEPTH:
            return {}
        value = {
            name: _example(spec, field, depth + 1, seen)
            for name, field in schema.get("properties", {}).items()
        }
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and not value:
            names = schema.get("propertyNames", {})
            key = _plain(names["enum"][0]) if names.get("enum") else "key"
            value[key] = _example(spec, extra, depth + 1, seen)
        return value
    if kind == "string":
        return _string_example(schema)
    if kind in ("integer", "number"):
        return _number_example(schema, kind)
    return TYPE_EXAMPLES.get(str(kind))


def _string_example(schema: Schema) -> str:
    text = FORMAT_EXAMPLES.get(str(schema.get("format")), "string")
    low, high = schema.get("minLength"), schema.get("maxLength")
    if high is not None and len(text) > high:
        text = text[: int(high)]
    if low is not None and len(text) < low:
        text = text.ljust(int(low), "x")
    return text


def _number_example(schema: Schema, kind: str) -> int | float:
    value: float = TYPE_EXAMPLES[kind]
    if schema.get("minimum") is not None:
        value = max(value, schema["minimum"])
    if schema.get("maximum") is not None:
        value = min(value, schema["maximum"])
    return int(value) if kind == "integer" else value
