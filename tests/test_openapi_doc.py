"""openapi.md is generated from the app; this fails when someone changed the API and not the doc.
The rest renders small hand-written specs, so the reference's rules are tested without the app."""

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema_rs

from app.openapi_doc import _app_spec, render
from app.openapi_doc.examples import (
    _ABSENT,
    FORMAT_EXAMPLES,
    MAX_EXAMPLE_DEPTH,
    _example,
    _given_example,
)
from app.openapi_doc.written import SUMMARIES

ROOT = Path(__file__).resolve().parent.parent
WIDGETS = "#/components/schemas/"


def test_openapi_md_is_up_to_date() -> None:
    assert (ROOT / "openapi.md").read_text() == render(), (
        "openapi.md is stale: run 'helpdesk openapi'"
    )


def test_every_operation_has_a_stable_id() -> None:
    spec = _app_spec()
    ids = [op.get("operationId") for item in spec["paths"].values() for op in item.values()]
    assert all(ids) and len(ids) == len(set(ids))


def test_errors_are_documented_as_the_problems_they_are() -> None:
    """Every /v1 operation documents its errors as problem+json (the Problem schema), never
    FastAPI's HTTPValidationError, which this API does not send."""
    spec = _app_spec()
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            errors = {c: r for c, r in operation["responses"].items() if not c.startswith("2")}
            if path.startswith("/v1/"):
                assert "default" in errors, (method, path)
            for code, response in errors.items():
                if code != "503" or path.startswith("/v1/"):
                    assert response["content"] == problem, (method, path, code)


def _operations(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(op["operationId"], op) for item in spec["paths"].values() for op in item.values()]


def test_every_operation_has_a_summary_written_for_people() -> None:
    """A summary FastAPI made from the function's name ("List Agents") is not one."""
    operations = dict(_operations(_app_spec()))
    assert sorted(set(operations) - set(SUMMARIES)) == [], "write a summary in written.py"
    assert sorted(set(SUMMARIES) - set(operations)) == [], "a summary of no operation"
    for op_id, operation in operations.items():
        assert operation["summary"] == SUMMARIES[op_id]


PLACEHOLDERS = {"string", 1.5, *FORMAT_EXAMPLES.values()}


def _placeholders(value: Any, at: str = "") -> list[str]:
    """Where an example holds a value made up from a type alone ("string", 1.5, …)."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _placeholders(v, f"{at}.{k}")]
    if isinstance(value, list):
        return [p for v in value for p in _placeholders(v, f"{at}[]")]
    if isinstance(value, str | float) and not isinstance(value, bool) and value in PLACEHOLDERS:
        return [f"{at}: {value!r}"]
    return []


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    return jsonschema_rs.Draft202012Validator({**schema, "components": spec["components"]})


def _check(spec: dict[str, Any], where: str, schema: dict[str, Any], example: Any) -> list[str]:
    problems = [f"{where}{p}" for p in _placeholders(example)]
    if schema:
        problems += [
            f"{where} at {list(e.instance_path)}: {e.message}"
            for e in _validator(spec, schema).iter_errors(example)
        ][:3]
    return problems


def test_every_operation_has_a_realistic_example_that_fits_its_schema() -> None:
    """Each request body and each success response shows an example a person would send or
    get (no "string", no 1.5), and the example is valid by the operation's own schema."""
    spec = _app_spec()
    problems: list[str] = []
    for op_id, operation in _operations(spec):
        body = operation.get("requestBody", {}).get("content", {})
        for media_type, media in body.items():
            schema = media.get("schema", {})
            example = _given_example(spec, media, schema)
            if example is _ABSENT:
                problems.append(f"{op_id} request ({media_type}): no example")
            elif media_type.endswith("json"):
                problems += _check(spec, f"{op_id} request", schema, example)
        for code, response in operation["responses"].items():
            if not code.startswith("2"):
                continue
            for media_type, media in response.get("content", {}).items():
                schema = media.get("schema", {})
                example = _given_example(spec, media, {})
                if example is _ABSENT:
                    example = _example(spec, schema)
                if media_type.endswith("json"):
                    problems += _check(spec, f"{op_id} {code}", schema, example)
                elif not example or example == "string":
                    problems.append(f"{op_id} {code} ({media_type}): no example")
    assert not problems, "\n".join(problems)


def test_every_field_and_parameter_says_what_it_is() -> None:
    spec = _app_spec()
    undescribed = [
        f"{name}.{field}"
        for name, schema in spec["components"]["schemas"].items()
        for field, inner in schema.get("properties", {}).items()
        if not inner.get("description")
    ] + [
        f"{op_id}: {parameter['name']}"
        for op_id, operation in _operations(spec)
        for parameter in operation.get("parameters", [])
        if not parameter.get("description")
    ]
    assert not undescribed, "describe them (app/openapi_doc/written.py): " + ", ".join(undescribed)


def test_every_example_a_schema_gives_fits_it() -> None:
    spec = _app_spec()
    problems: list[str] = []
    for name, schema in spec["components"]["schemas"].items():
        for example in schema.get("examples", []):
            problems += _check(spec, name, schema, example)
        for field, inner in schema.get("properties", {}).items():
            for example in inner.get("examples", []):
                problems += _check(spec, f"{name}.{field}", inner, example)
    assert not problems, "\n".join(problems)


# --- the reference, on a hand-written spec ------------------------------------------------------


def make_spec() -> dict[str, Any]:
    """A two-operation API: widgets with a colour enum, a nullable note, and parts that nest."""
    json_of = lambda name: {"application/json": {"schema": {"$ref": WIDGETS + name}}}  # noqa: E731
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "widgets",
            "version": "1.2.3",
            "description": "Widgets for everyone.\n\n* Auth: a bearer key.\n* Lists: paged.",
        },
        "paths": {
            "/widgets": {
                "post": {
                    "tags": ["widgets"],
                    "summary": "Create Widget",
                    "operationId": "widgets_create",
                    "description": "Makes a widget.",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "schema": {
                                "anyOf": [{"type": "string", "maxLength": 255}, {"type": "null"}]
                            },
                        }
                    ],
                    "requestBody": {"required": True, "content": json_of("WidgetCreate")},
                    "responses": {
                        "422": {"description": "Invalid", "content": json_of("Problem")},
                        "201": {"description": "Created.", "content": json_of("Part")},
                    },
                }
            },
            "/widgets/{widget_id}": {
                "get": {
                    "tags": ["widgets"],
                    "summary": "Get Widget",
                    "operationId": "widgets_get",
                    "parameters": [
                        {
                            "name": "widget_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 9999},
                        },
                        {
                            "name": "since",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "format": "date-time"},
                        },
                        {
                            "name": "sort",
                            "in": "query",
                            "schema": {
                                "type": "string",
                                "enum": ["name", "-name"],
                                "default": "name",
                                "pattern": "^-?name$",
                            },
                        },
                    ],
                    "responses": {"200": {"description": "The widget", "content": json_of("Part")}},
                }
            },
        },
        "components": {
            "schemas": {
                "WidgetCreate": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "note": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "description": "Free text.",
                        },
                        "name": {"type": "string", "minLength": 1, "maxLength": 50},
                        "colour": {
                            "type": "string",
                            "enum": ["red", "green", "blue"],
                            "default": "red",
                        },
                        "parts": {"type": "array", "items": {"$ref": WIDGETS + "Part"}},
                        "size": {"allOf": [{"$ref": WIDGETS + "Size"}]},
                    },
                    "required": ["name", "parts"],
                },
                "Size": {"type": "string", "enum": ["s", "m", "l"]},
                "Part": {
                    "type": "object",
                    "description": "A part, made of smaller parts.",
                    "properties": {
                        "label": {"type": "string"},
                        "parent": {"anyOf": [{"$ref": WIDGETS + "Part"}, {"type": "null"}]},
                        "children": {"type": "array", "items": {"$ref": WIDGETS + "Part"}},
                    },
                    "required": ["label", "children"],
                },
                "Problem": {
                    "type": "object",
                    "properties": {"title": {"type": "string"}, "status": {"type": "integer"}},
                    "required": ["title", "status"],
                },
            }
        },
    }


def section(doc: str, heading: str) -> str:
    """The text under a `###` heading, up to the next anchor."""
    start = doc.index(heading)
    end = doc.find("<a id=", start)
    return doc[start : end if end != -1 else len(doc)]


def json_blocks(text: str) -> list[Any]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)\n```", text, re.S)]


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


def test_body_fields_appear_with_their_types_and_required_markers() -> None:
    body = section(render(make_spec()), "### POST /widgets")
    assert "**Request body** (`application/json`, required)" in body
    assert "| `name` | string | yes | length 1–50 |  |" in body
    assert "| `note` | string or null | no |  | Free text. |" in body
    assert "Other fields are rejected." in body


def test_required_fields_come_first_in_declaration_order() -> None:
    body = section(render(make_spec()), "### POST /widgets")
    rows = re.findall(r"^\| `(\w+)` \|", body.split("**Request body**")[1], re.M)
    assert rows[:5] == ["name", "parts", "note", "colour", "size"]


def test_enum_values_and_defaults_are_listed() -> None:
    doc = render(make_spec())
    body = section(doc, "### POST /widgets")
    assert 'one of: `red`, `green`, `blue`; default `"red"`' in body
    assert "Type: string; one of: `s`, `m`, `l`" in section(doc, "### Size")


def test_parameters_show_bounds_format_pattern_and_default() -> None:
    get = section(render(make_spec()), "### GET /widgets/{widget_id}")
    assert "| `widget_id` | path | integer; 1–9999 | yes |  |  |" in get
    assert "| `since` | query | string (date-time) | no |  |  |" in get
    assert (
        "| `sort` | query | string; one of: `name`, `-name`; pattern `^-?name$` | no "
        '| `"name"` |' in get
    )
    assert "| `Idempotency-Key` | header | string or null; length ≤ 255 | no |" in render(
        make_spec()
    )


def test_a_ref_resolves_to_its_fields_and_links_to_its_schema() -> None:
    doc = render(make_spec())
    body = section(doc, "### POST /widgets")
    assert "required): [`WidgetCreate`](#schema-WidgetCreate)" in body
    assert "| `parts` | array of [`Part`](#schema-Part) | yes |" in body
    assert "| `size` | [`Size`](#schema-Size) | no |" in body  # through a one-part allOf
    for name in ("WidgetCreate", "Part", "Size", "Problem"):
        assert f'<a id="schema-{name}"></a>' in doc
    assert "| `201` | Created. | `application/json` | [`Part`](#schema-Part) |" in body


def test_nullable_any_of_reads_as_or_null() -> None:
    part = section(render(make_spec()), "### Part")
    assert "| `parent` | [`Part`](#schema-Part) or null | no |" in part


def test_a_recursive_schema_terminates_with_a_bounded_example() -> None:
    doc = render(make_spec())
    (example,) = json_blocks(section(doc, "### GET /widgets/{widget_id}"))
    assert example["label"] == "string"
    assert example["children"] == []  # a part's children are parts: not expanded again
    assert depth(example) <= MAX_EXAMPLE_DEPTH + 1


def test_a_given_example_is_used_as_it_is() -> None:
    spec = make_spec()
    given = {"name": "sprocket", "parts": []}
    spec["components"]["schemas"]["WidgetCreate"]["examples"] = [given]
    spec["components"]["schemas"]["Part"]["example"] = {"label": "wheel", "children": []}
    blocks = json_blocks(section(render(spec), "### POST /widgets"))
    assert blocks == [given, {"label": "wheel", "children": []}]


def test_the_header_has_the_description_conventions_and_index() -> None:
    doc = render(make_spec())
    assert doc.startswith("# widgets API 1.2.3\n")
    assert "`/openapi.json`" in doc.split("## Conventions")[0]
    assert "Widgets for everyone." in doc.split("## Conventions")[0]
    assert "* Auth: a bearer key.\n* Lists: paged." in doc.split("## Endpoints")[0]
    assert "| POST | `/widgets` | [`widgets_create`](#op-widgets_create) | Create Widget |" in doc
    assert '<a id="op-widgets_create"></a>' in doc


def test_the_whole_spec_is_not_dumped() -> None:
    doc = render(make_spec())
    assert '"openapi"' not in doc and '"components"' not in doc


def test_output_is_deterministic_whatever_order_the_spec_lists_things_in() -> None:
    spec = make_spec()
    shuffled = copy.deepcopy(spec)
    shuffled["paths"] = dict(reversed(spec["paths"].items()))
    shuffled["components"]["schemas"] = dict(reversed(spec["components"]["schemas"].items()))
    for item in shuffled["paths"].values():
        for operation in item.values():
            operation["responses"] = dict(reversed(operation["responses"].items()))
    assert render(spec) == render(copy.deepcopy(spec)) == render(shuffled)
    doc = render(spec)
    assert doc.index("### POST /widgets") < doc.index("### GET /widgets/{widget_id}")
    assert doc.index("`201`") < doc.index("`422`")
    assert doc.index("### Part") < doc.index("### Problem") < doc.index("### WidgetCreate")
