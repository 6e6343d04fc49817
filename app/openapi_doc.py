"""Renders the app's OpenAPI description as Markdown: an endpoint index, then the full document."""

import json
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(schema: dict[str, Any] | None) -> str:
    if not schema:
        return ""
    if "$ref" in schema:
        return "`" + schema["$ref"].rsplit("/", 1)[-1] + "`"
    if schema.get("type") == "array" and "items" in schema:
        return "array of " + _ref_name(schema["items"])
    return f"`{schema.get('type', 'object')}`"


def render() -> str:
    from app.main import create_app
    from app.settings import Settings

    spec = create_app(Settings(database_url="postgresql://unused/none")).openapi()
    lines = [
        f"# {spec['info']['title']} API {spec['info']['version']}",
        "",
        "Generated from the application by `helpdesk openapi`; do not edit by hand "
        "(a test fails when this file is stale).",
        "",
        spec["info"].get("description", "").strip(),
        "",
        "## Endpoints",
        "",
        "| method | path | operation | request | success |",
        "| --- | --- | --- | --- | --- |",
    ]
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ok = next((c for c in sorted(op["responses"]) if c.startswith("2")), "")
            ok_schema = (
                op["responses"]
                .get(ok, {})
                .get("content", {})
                .get("application/json", {})
                .get("schema")
            )
            lines.append(
                f"| {method.upper()} | `{path}` | `{op.get('operationId', '')}` | "
                f"{_ref_name(body.get('schema'))} | {ok} {_ref_name(ok_schema)} |"
            )
    lines += ["", "## Operations", ""]
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            lines += [f"### {method.upper()} {path}", "", f"`{op.get('operationId', '')}`", ""]
            if op.get("description"):
                lines += [op["description"].strip(), ""]
            params = op.get("parameters", [])
            if params:
                lines += [
                    "| parameter | in | required | type | description |",
                    "| --- | --- | --- | --- | --- |",
                ]
                for p in params:
                    desc = (
                        p.get("description") or p.get("schema", {}).get("description") or ""
                    ).replace("\n", " ")
                    lines.append(
                        f"| `{p['name']}` | {p['in']} | {'yes' if p.get('required') else 'no'} | "
                        f"{_ref_name(p.get('schema'))} | {desc} |"
                    )
                lines.append("")
            codes = ", ".join(
                f"{code} {resp.get('description', '')}"
                for code, resp in sorted(op["responses"].items())
            )
            lines += [f"Responses: {codes}", ""]
    lines += [
        "## Full OpenAPI document",
        "",
        "```json",
        json.dumps(spec, indent=2, sort_keys=True),
        "```",
        "",
    ]
    return "\n".join(lines)
