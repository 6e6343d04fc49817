"""Markdown and spec helpers for the OpenAPI reference: references, code, cells, anchors."""

import json
import re
from typing import Any

SCHEMA_PREFIX = "#/components/schemas/"
Spec = dict[str, Any]
Schema = dict[str, Any]


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
