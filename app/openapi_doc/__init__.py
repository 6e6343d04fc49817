"""Renders the app's OpenAPI description as a Markdown reference for people (openapi.md):
the document and its sections here; field types and constraints in `schemas`, examples in
`examples`, Markdown and spec helpers in `text`."""

import re
from dataclasses import dataclass
from typing import Any

from app.openapi_doc.examples import _ABSENT, _example, _given_example
from app.openapi_doc.schemas import (
    _constraints,
    _object_fields,
    _schemas_section,
    _type,
    _unwrap_to_object,
)
from app.openapi_doc.text import (
    Schema,
    Spec,
    _cell,
    _code,
    _deref,
    _json,
    _json_block,
    _preferred_media_type,
    _slug,
    _status_order,
    _tag_anchor,
    _yes_no,
)

# The order operations are listed in within one path; the spec's own key order is not a contract.
METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")


UNTAGGED = "other"


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
