"""A schema as the OpenAPI reference shows it: field tables, types and constraints."""

from typing import Any

from app.openapi_doc.text import (
    SCHEMA_PREFIX,
    Schema,
    Spec,
    _cell,
    _code,
    _dedupe,
    _deref,
    _json,
    _number,
    _plain,
    _schema_anchor,
    _yes_no,
)
from app.schemas.common import NOT_BLANK, SPACE

# Inline (unnamed) objects inside a field table are expanded as `a.b` rows down to this depth.
MAX_FIELD_DEPTH = 3


# FastAPI bounds every BIGINT id by int64; saying so on every id says nothing to a reader.
INT64_BOUNDS = (-(2**63), 2**63 - 1)


def _schemas_section(spec: Spec) -> list[str]:
    schemas = spec.get("components", {}).get("schemas", {})
    lines = ['<a id="schemas"></a>', "", "## Schemas", ""]
    if not schemas:
        return [*lines, "None.", ""]
    for name in sorted(schemas):
        schema = schemas[name]
        lines += [f'<a id="{_schema_anchor(name)}"></a>', "", f"### {name}", ""]
        if schema.get("description"):
            lines += [str(schema["description"]).strip(), ""]
        fields = _object_fields(spec, schema) if _is_object(schema) else []
        if fields:
            lines += fields
        else:
            what = "; ".join([_type(spec, schema), *_constraints(spec, schema)])
            lines += [f"Type: {what}", ""]
    return lines


def _object_fields(spec: Spec, schema: Schema | None) -> list[str]:
    if schema is None:
        return []
    rows = _field_rows(spec, schema, prefix="", depth=0, seen=frozenset())
    lines: list[str] = []
    if rows:
        lines += [
            "| field | type | required | constraints | description |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
        ]
    extra = schema.get("additionalProperties")
    if extra is False:
        lines += ["Other fields are rejected.", ""]
    elif extra is True:
        lines += ["Other fields may appear.", ""]
    elif isinstance(extra, dict) and not rows:
        lines += [f"Keys map to {_type(spec, extra)}.", ""]
    return lines


def _field_rows(
    spec: Spec, schema: Schema, prefix: str, depth: int, seen: frozenset[str]
) -> list[str]:
    properties, required = _properties(spec, schema, seen)
    rows = []
    # Required fields first, each group in the schema's own (declaration) order.
    for name in sorted(properties, key=lambda n: n not in required):
        raw = properties[name]
        field = prefix + name
        constraints = _constraints(spec, raw)
        if "default" in raw:
            constraints.append("default " + _code(_json(raw["default"])))
        rows.append(
            f"| {_code(field)} | {_cell(_type(spec, raw))} | {_yes_no(name in required)} | "
            f"{_cell('; '.join(constraints))} | {_cell(raw.get('description', ''))} |"
        )
        inline, marker = _inline_object(raw)
        if inline is not None and depth + 1 < MAX_FIELD_DEPTH:
            rows += _field_rows(spec, inline, field + marker + ".", depth + 1, seen)
    return rows


def _properties(
    spec: Spec, schema: Schema, seen: frozenset[str]
) -> tuple[dict[str, Schema], set[str]]:
    """An object's fields and which are required, with `allOf` parts (and what they refer to)
    merged in."""
    properties: dict[str, Schema] = {}
    required: set[str] = set()
    for part in schema.get("allOf", []):
        ref = part.get("$ref")
        if ref in seen:
            continue
        resolved = _deref(spec, part)
        more, more_required = _properties(spec, resolved, seen | ({ref} if ref else set()))
        properties.update(more)
        required |= more_required
    properties.update(schema.get("properties", {}))
    required |= set(schema.get("required", []))
    return properties, required


def _inline_object(schema: Schema) -> tuple[Schema | None, str]:
    """An unnamed object with fields inside a field (itself, an array's items, or the non-null
    choice), so its fields can be listed as `field.sub` rows; named ones are linked instead."""
    if "$ref" in schema:
        return None, ""
    choices = [c for c in schema.get("anyOf", schema.get("oneOf", [])) if c.get("type") != "null"]
    if len(choices) == 1:
        return _inline_object(choices[0])
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        inner, marker = _inline_object(schema["items"])
        return inner, "[]" + marker
    if "properties" in schema:
        return schema, ""
    return None, ""


def _unwrap_to_object(spec: Spec, schema: Schema) -> Schema | None:
    """The object whose fields a body is made of: through a `$ref`, an array's items or a
    single `allOf`."""
    seen: set[str] = set()
    while True:
        if "$ref" in schema:
            if schema["$ref"] in seen:
                return None
            seen.add(schema["$ref"])
            schema = _deref(spec, schema)
        elif schema.get("type") == "array" and isinstance(schema.get("items"), dict):
            schema = schema["items"]
        elif len(schema.get("allOf", [])) == 1 and "properties" not in schema:
            schema = schema["allOf"][0]
        else:
            return schema if _is_object(schema) else None


def _is_object(schema: Schema) -> bool:
    return (
        schema.get("type") == "object"
        or "properties" in schema
        or ("allOf" in schema and "type" not in schema)
    )


def _type(spec: Spec, schema: Schema, seen: frozenset[str] = frozenset()) -> str:
    """A schema as a reader says it: `string (date-time) or null`, `array of [TicketOut](…)`."""
    if not isinstance(schema, dict) or not schema:
        return "any"
    if "$ref" in schema:
        ref = str(schema["$ref"])
        name = ref.removeprefix(SCHEMA_PREFIX)
        if ref.startswith(SCHEMA_PREFIX) and name in spec.get("components", {}).get("schemas", {}):
            return f"[{_code(name)}](#{_schema_anchor(name)})"
        if ref in seen:
            return _code(ref.rsplit("/", 1)[-1])
        return _type(spec, _deref(spec, schema), seen | {ref})
    if "const" in schema:
        return "constant " + _code(_json(schema["const"]))
    for key in ("anyOf", "oneOf"):
        if key in schema:
            choices = [_type(spec, c, seen) for c in schema[key]]
            return " or ".join(_dedupe(sorted(choices, key=lambda c: c == "null")))
    if "allOf" in schema:
        parts = [_type(spec, c, seen) for c in schema["allOf"]]
        return " and ".join(_dedupe(parts)) if parts else "object"
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(
            _type(spec, {**schema, "type": k}, seen)
            for k in sorted(kind, key=lambda k: k == "null")
        )
    if kind == "array" or "items" in schema:
        items = schema.get("items")
        inner = _type(spec, items, seen) if isinstance(items, dict) else "any"
        return "array of " + (f"({inner})" if " or " in inner or " and " in inner else inner)
    if kind == "object" or "properties" in schema or "additionalProperties" in schema:
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and "properties" not in schema:
            return f"map (string → {_type(spec, extra, seen)})"
        return "object"
    if kind is None:
        return "any"
    text = str(kind)
    if "format" in schema:
        text += f" ({schema['format']})"
    return text


def _pattern(pattern: str) -> str:
    """A pattern as a reader takes it in: the white-space set the schema spells out for every
    engine's sake (SPACE) is shown as `\\s`, with a word on what it means."""
    if pattern == NOT_BLANK:
        return "not blank (surrounding white space is dropped)"
    if SPACE not in pattern:
        return "pattern " + _code(pattern)
    return "pattern " + _code(pattern.replace(SPACE, r"\s")) + r" (`\s`: Unicode White_Space)"


def _constraints(spec: Spec, schema: Schema, each: str = "") -> list[str]:
    """What a value must also satisfy, beyond its type: allowed values, bounds, pattern."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return []
    found: list[str] = []
    if "enum" in schema:
        found.append(each + "one of: " + ", ".join(_code(_plain(v)) for v in schema["enum"]))
    found += [each + c for c in _bounds(schema)]
    if "pattern" in schema:
        found.append(each + _pattern(str(schema["pattern"])))
    if schema.get("uniqueItems"):
        found.append(each + "items unique")
    names = schema.get("propertyNames")
    if isinstance(names, dict) and "enum" in names:
        found.append(each + "keys one of: " + ", ".join(_code(_plain(v)) for v in names["enum"]))
    for flag, text in (("readOnly", "read-only"), ("writeOnly", "write-only")):
        if schema.get(flag):
            found.append(each + text)
    if schema.get("deprecated"):
        found.append(each + "deprecated")
    for key in ("anyOf", "oneOf", "allOf"):
        for choice in schema.get(key, []):
            found += _constraints(spec, choice, each)
    items = schema.get("items")
    if isinstance(items, dict):
        found += _constraints(spec, items, "each " + each)
    return _dedupe(found)


def _bounds(schema: Schema) -> list[str]:
    found = []
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and low <= INT64_BOUNDS[0]:
        low = None
    if high is not None and high >= INT64_BOUNDS[1]:
        high = None
    found += _range("", low, high)
    if "exclusiveMinimum" in schema and not isinstance(schema["exclusiveMinimum"], bool):
        found.append(f"> {_number(schema['exclusiveMinimum'])}")
    if "exclusiveMaximum" in schema and not isinstance(schema["exclusiveMaximum"], bool):
        found.append(f"< {_number(schema['exclusiveMaximum'])}")
    if "multipleOf" in schema:
        found.append(f"multiple of {_number(schema['multipleOf'])}")
    found += _range("length ", schema.get("minLength"), schema.get("maxLength"))
    found += _range("items ", schema.get("minItems"), schema.get("maxItems"))
    found += _range("fields ", schema.get("minProperties"), schema.get("maxProperties"))
    return found


def _range(what: str, low: Any, high: Any) -> list[str]:
    if low is not None and high is not None:
        return [f"{what}{_number(low)}–{_number(high)}"]
    if low is not None:
        return [f"{what}≥ {_number(low)}"]
    if high is not None:
        return [f"{what}≤ {_number(high)}"]
    return []
