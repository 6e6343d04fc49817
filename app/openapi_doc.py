"""Renders the app's OpenAPI description as a Markdown reference for people (openapi.md)."""

import json
import re
from dataclasses import dataclass
from typing import Any

Spec = dict[str, Any]
Schema = dict[str, Any]

# The order operations are listed in within one path; the spec's own key order is not a contract.
METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
SCHEMA_PREFIX = "#/components/schemas/"
UNTAGGED = "other"
# Examples stop nesting here (and at the first schema that refers back to itself).
MAX_EXAMPLE_DEPTH = 4
# Inline (unnamed) objects inside a field table are expanded as `a.b` rows down to this depth.
MAX_FIELD_DEPTH = 3
# FastAPI bounds every BIGINT id by int64; saying so on every id says nothing to a reader.
INT64_BOUNDS = (-(2**63), 2**63 - 1)
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


def _app_spec() -> Spec:
    """The OpenAPI document of the application as configured for documentation: the one place
    that knows how to build the app."""
    from app.main import create_app
    from app.settings import Settings

    return create_app(Settings(database_url="postgresql://unused/none")).openapi()


def render(spec: Spec | None = None) -> str:
    """openapi.md: the reference for `spec`, by default the app's own OpenAPI document."""
    spec = _app_spec() if spec is None else spec
    operations = _operations(spec)
    groups = _tag_groups(spec, operations)
    lines = _header(spec, groups)
    lines += _index(operations)
    for tag, ops in groups:
        lines += _tag_section(spec, tag, ops)
    lines += _schemas_section(spec)
    return "\n".join(lines).rstrip("\n") + "\n"


# --- the document's parts -------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One method on one path, and the parameters its path item declares for all methods."""

    path: str
    method: str
    op: dict[str, Any]
    path_params: list[Any]

    @property
    def id(self) -> str:
        return str(self.op.get("operationId") or f"{self.method}_{self.path}")

    @property
    def anchor(self) -> str:
        return "op-" + _slug(self.id)

    @property
    def tag(self) -> str:
        tags = self.op.get("tags") or [UNTAGGED]
        return str(tags[0])


def _operations(spec: Spec) -> list[Operation]:
    found = []
    for path in sorted(spec.get("paths", {})):
        item = spec["paths"][path]
        for method in METHODS:
            if method in item:
                found.append(Operation(path, method, item[method], item.get("parameters", [])))
    return found


def _tag_groups(spec: Spec, operations: list[Operation]) -> list[tuple[str, list[Operation]]]:
    """Operations by their first tag: in the order of the spec's `tags` list when it has one,
    else alphabetically; untagged operations last."""
    declared = [str(t["name"]) for t in spec.get("tags", [])]
    used = sorted({o.tag for o in operations} - {UNTAGGED} - set(declared))
    order = [t for t in declared if any(o.tag == t for o in operations)] + used
    if any(o.tag == UNTAGGED for o in operations) and UNTAGGED not in order:
        order.append(UNTAGGED)
    return [(tag, [o for o in operations if o.tag == tag]) for tag in order]


def _header(spec: Spec, groups: list[tuple[str, list[Operation]]]) -> list[str]:
    info = spec.get("info", {})
    intro, conventions = _split_description(str(info.get("description", "")))
    lines = [
        f"# {info.get('title', 'API')} API {info.get('version', '')}".rstrip(),
        "",
        "Generated from the application by `helpdesk openapi`; do not edit by hand "
        "(a test fails when this file is stale). This is the reference for people; the "
        "machine-readable OpenAPI document is served by the API at `/openapi.json`.",
        "",
    ]
    if intro:
        lines += [intro, ""]
    lines += ["Contents:", ""]
    lines += ["- [Conventions](#conventions)", "- [Endpoints](#endpoints)"]
    lines += [f"- [{tag}](#{_tag_anchor(tag)})" for tag, _ in groups]
    lines += ["- [Schemas](#schemas)", ""]
    lines += ['<a id="conventions"></a>', "", "## Conventions", ""]
    if conventions:
        lines += [conventions, ""]
    lines += [
        "Reading the tables: *required* means a request must send the field (in a response, "
        "that it is always present); `X or null` means the value may be `null`; a linked name "
        "is a schema described under [Schemas](#schemas).",
        "",
    ]
    return lines


def _split_description(text: str) -> tuple[str, str]:
    """The description's prose, and its bulleted lists (the API's conventions)."""
    prose: list[str] = []
    bullets: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        if not block.strip():
            continue
        first = block.lstrip().split("\n", 1)[0]
        (bullets if re.match(r"[*+-] ", first) else prose).append(block.strip("\n"))
    return "\n\n".join(prose), "\n\n".join(bullets)


def _index(operations: list[Operation]) -> list[str]:
    lines = [
        '<a id="endpoints"></a>',
        "",
        "## Endpoints",
        "",
        "| method | path | operation id | summary |",
        "| --- | --- | --- | --- |",
    ]
    for o in operations:
        lines.append(
            f"| {o.method.upper()} | {_code(o.path)} | [{_code(o.id)}](#{o.anchor}) | "
            f"{_cell(o.op.get('summary', ''))} |"
        )
    return [*lines, ""]


def _tag_section(spec: Spec, tag: str, operations: list[Operation]) -> list[str]:
    lines = [f'<a id="{_tag_anchor(tag)}"></a>', "", f"## {tag}", ""]
    described = {str(t["name"]): t.get("description", "") for t in spec.get("tags", [])}
    if described.get(tag):
        lines += [str(described[tag]).strip(), ""]
    for o in operations:
        lines += _operation_section(spec, o)
    return lines


def _operation_section(spec: Spec, o: Operation) -> list[str]:
    op = o.op
    title = f"### {o.method.upper()} {o.path}"
    if op.get("summary"):
        title += f" — {op['summary']}"
    lines = [f'<a id="{o.anchor}"></a>', "", title, "", f"Operation id: {_code(o.id)}", ""]
    if op.get("deprecated"):
        lines += ["**Deprecated.**", ""]
    if op.get("description"):
        lines += [str(op["description"]).strip(), ""]
    lines += _parameters(spec, o)
    lines += _request_body(spec, op)
    lines += _responses(spec, op)
    return lines


def _parameters(spec: Spec, o: Operation) -> list[str]:
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*o.path_params, *o.op.get("parameters", [])]:
        p = _deref(spec, raw)
        merged[(str(p.get("name")), str(p.get("in")))] = p  # the operation's own wins
    if not merged:
        return []
    lines = [
        "**Parameters**",
        "",
        "| name | in | type | required | default | description |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for p in merged.values():
        schema = p.get("schema", {})
        kind = "; ".join([_type(spec, schema), *_constraints(spec, schema)])
        default = _code(_json(schema["default"])) if "default" in schema else ""
        description = p.get("description") or schema.get("description") or ""
        lines.append(
            f"| {_code(p.get('name', ''))} | {p.get('in', '')} | {_cell(kind)} | "
            f"{_yes_no(p.get('required', False))} | {_cell(default)} | {_cell(description)} |"
        )
    return [*lines, ""]


def _request_body(spec: Spec, op: dict[str, Any]) -> list[str]:
    if "requestBody" not in op:
        return []
    body = _deref(spec, op["requestBody"])
    content = body.get("content", {})
    if not content:
        return []
    media_type = _preferred_media_type(content)
    media = content[media_type]
    schema = media.get("schema", {})
    required = "required" if body.get("required") else "optional"
    lines = [
        f"**Request body** ({_code(media_type)}, {required}): {_type(spec, schema)}",
        "",
    ]
    if body.get("description"):
        lines += [str(body["description"]).strip(), ""]
    lines += _object_fields(spec, _unwrap_to_object(spec, schema))
    example = _given_example(spec, media, schema)
    if example is not _ABSENT:
        lines += ["Example request body:", "", *_json_block(example), ""]
    return lines


def _responses(spec: Spec, op: dict[str, Any]) -> list[str]:
    responses = op.get("responses", {})
    if not responses:
        return []
    lines = [
        "**Responses**",
        "",
        "| status | description | content type | shape |",
        "| --- | --- | --- | --- |",
    ]
    success: tuple[str, dict[str, Any], Schema] | None = None
    for code in sorted(responses, key=_status_order):
        response = _deref(spec, responses[code])
        content = response.get("content", {})
        if content:
            media_type = _preferred_media_type(content)
            schema = content[media_type].get("schema", {})
            kind, shape = _code(media_type), _type(spec, schema) if schema else ""
            if success is None and code.startswith("2"):
                success = (code, content[media_type], schema)
        else:
            kind, shape = "—", "—"
        lines.append(
            f"| {_code(code)} | {_cell(response.get('description', ''))} | {kind} | "
            f"{_cell(shape)} |"
        )
    lines.append("")
    if success is not None:
        code, media, schema = success
        example = _given_example(spec, media, {})
        if example is _ABSENT:
            example = _example(spec, schema)
        lines += [f"Example response ({_code(code)}):", "", *_json_block(example), ""]
    return lines


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


# --- field tables -----------------------------------------------------------------------------


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


# --- types and constraints --------------------------------------------------------------------


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


def _constraints(spec: Spec, schema: Schema, each: str = "") -> list[str]:
    """What a value must also satisfy, beyond its type: allowed values, bounds, pattern."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return []
    found: list[str] = []
    if "enum" in schema:
        found.append(each + "one of: " + ", ".join(_code(_plain(v)) for v in schema["enum"]))
    found += [each + c for c in _bounds(schema)]
    if "pattern" in schema:
        found.append(each + "pattern " + _code(str(schema["pattern"])))
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


# --- examples ---------------------------------------------------------------------------------


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


# --- small pieces -----------------------------------------------------------------------------


def _deref(spec: Spec, node: Any, seen: frozenset[str] = frozenset()) -> dict[str, Any]:
    """What a local `$ref` (`#/components/...`) points to; anything else as it is."""
    if not isinstance(node, dict):
        return {}
    ref = node.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
        return node
    target: Any = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, dict) or part not in target:
            return {}
        target = target[part]
    return _deref(spec, target, seen | {ref})


def _preferred_media_type(content: dict[str, Any]) -> str:
    return "application/json" if "application/json" in content else sorted(content)[0]


def _status_order(code: str) -> tuple[int, str]:
    """2xx before 4xx; `default` and `4XX`-style ranges after the exact codes they cover."""
    return (1, code) if code == "default" else (0, code.upper().replace("X", "Z"))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _json_block(value: Any) -> list[str]:
    return ["```json", json.dumps(value, indent=2, ensure_ascii=False), "```"]


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else _json(value)


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _code(text: Any) -> str:
    text = str(text)
    if not text:
        return ""
    if "`" not in text:
        return f"`{text}`"
    return f"`` {text} ``"


def _cell(text: Any) -> str:
    """Text that stays inside one Markdown table cell."""
    return re.sub(r"\s*\n\s*", " ", str(text)).strip().replace("|", "\\|")


def _yes_no(flag: Any) -> str:
    return "yes" if flag else "no"


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def _tag_anchor(tag: str) -> str:
    return "tag-" + _slug(tag)


def _schema_anchor(name: str) -> str:
    return "schema-" + _slug(name)
