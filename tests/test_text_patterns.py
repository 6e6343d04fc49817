"""The schema's patterns and the server's validation read text the same way, on every code point."""

import re

from pydantic import TypeAdapter, ValidationError

from app.schemas.common import NOT_BLANK
from app.schemas.tickets import Tag

TAG = TypeAdapter(Tag)


def _accepted(text: str) -> bool:
    try:
        TAG.validate_python(text)
    except ValidationError:
        return False
    return True


def test_not_blank_is_what_stripping_leaves_something_of() -> None:
    """A one-character text is blank to the schema exactly when the server strips it away:
    under Python's Unicode and ASCII readings (the second is how schemathesis reads a schema),
    which JSON Schema's `\\s` sits between."""
    readings = [re.compile(NOT_BLANK), re.compile(NOT_BLANK, re.ASCII)]
    disagree = [
        f"U+{code:04X}"
        for code in range(1, 0x110000)
        if not 0xD800 <= code <= 0xDFFF
        and any((r.search(chr(code)) is not None) != _accepted(chr(code)) for r in readings)
    ]
    assert disagree == []
    assert not _accepted("\u0085\u3000 ") and _accepted("\ufeff")
