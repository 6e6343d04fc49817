"""Attachments' rules: the file name kept and served, the media type recorded (checked against
the content's first bytes), and the Content-Disposition a download is served with."""

import re
import unicodedata
from urllib.parse import quote

OCTET_STREAM = "application/octet-stream"
CHUNK_BYTES = 256 * 1024  # one row of the postgres backend; one read of a download
MAX_FILENAME = 255
# How many leading bytes the type check reads (the longest signature below, with room).
HEAD_BYTES = 16

# The content's own word on its type: leading bytes ("magic numbers") of the formats a
# browser or viewer would render or run when mislabelled.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
    "application/zip": (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"),
}
# Formats that are ZIP containers underneath (office documents, archives of Java or e-books).
_ZIP_FAMILY = re.compile(
    r"^application/(zip|x-zip-compressed|java-archive|vnd\..+|[a-z0-9.+-]+\+zip)$"
)
# RFC 6838's restricted names: a type/subtype, nothing else (parameters are not kept).
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u0080-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e]")


def sniffed_type(head: bytes) -> str | None:
    """The type the content's first bytes declare, if it is one of SIGNATURES."""
    for media, prefixes in SIGNATURES.items():
        if any(head.startswith(p) for p in prefixes):
            return media
    return None


def recorded_type(declared: str | None, head: bytes) -> str:
    """The media type to store and serve: the declared one (parameters dropped), unless it is
    malformed or the content's first bytes contradict it; then application/octet-stream,
    which no browser renders or runs."""
    media = (declared or "").split(";", 1)[0].strip().lower()
    if not _MEDIA_TYPE.match(media):
        return OCTET_STREAM
    sniffed = sniffed_type(head)
    if media in SIGNATURES and sniffed != media:
        return OCTET_STREAM  # a PNG that is not one, a PDF that is something else
    if sniffed is None or sniffed == media:
        return media
    if sniffed == "application/zip" and _ZIP_FAMILY.match(media):
        return media
    return OCTET_STREAM  # e.g. text/plain whose bytes are a PNG or a PDF


def clean_filename(given: str | None) -> str:
    """The name to keep: the last path component, NFC, without control or direction-changing
    characters, at most 255 characters; "attachment" when nothing is left."""
    name = unicodedata.normalize("NFC", given or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("", name).strip().strip(".")
    return name[:MAX_FILENAME].strip() or "attachment"


def content_disposition(filename: str) -> str:
    """`attachment` with the name twice (RFC 6266): an ASCII stand-in for old clients and the
    UTF-8 name percent-encoded (RFC 5987) for the rest, so Greek or Thai names come back whole."""
    name = clean_filename(filename)
    fallback = "".join(
        c if 0x20 <= ord(c) < 0x7F and c not in '"\\%;' else "_" for c in name
    ).strip()
    encoded = quote(name, safe="!#$&+-.^_`|~")
    return f"attachment; filename=\"{fallback or 'attachment'}\"; filename*=UTF-8''{encoded}"
