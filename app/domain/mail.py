"""An inbound RFC 5322 message read into a value: sender, subject, thread ids, text, attachments,
and whether a machine sent it (auto-replies, bounces). Whatever the bytes, parsing never fails:
undecodable text becomes replacement characters."""

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.header import decode_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime

from app.domain.mail_text import html_to_text, split_reply

MAX_ID = 300  # longest message id kept as it is (the interactions' external_id column)
_ANGLE_ID = re.compile(r"<([^<>\s]{1,994})>")
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class Attachment:
    filename: str | None
    content_type: str
    size: int
    # The decoded bytes (empty for one rebuilt from a stored record, which keeps no content).
    content: bytes = field(default=b"", repr=False, compare=False)


@dataclass(frozen=True)
class ParsedMail:
    sender_email: str | None
    sender_name: str | None
    subject: str
    message_id: str  # "<…>"; made from the bytes' digest when the message has none
    message_id_given: bool
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str  # the whole text, quoted history included
    reply: str  # the new part, for display
    quoted: str  # the history below it
    attachments: tuple[Attachment, ...]
    automatic: str | None  # "auto_reply" | "bounce" | None
    automatic_reason: str | None  # the header or part that says so
    sent_at: datetime | None
    has_headers: bool
    # Who it was copied to: (address, display name), at most MAX_COPIES, as the Cc header says.
    cc: tuple[tuple[str, str | None], ...] = ()

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """The ids it answers, nearest first: In-Reply-To, then References newest first."""
        seen: dict[str, None] = {}
        for found in (*self.in_reply_to, *reversed(self.references)):
            seen.setdefault(found, None)
        return tuple(seen)[:50]

    @property
    def usable(self) -> bool:
        """Something a ticket can be made of: a message's headers, and text, a subject or files."""
        content = self.text.strip() or self.subject.strip() or self.attachments
        return self.has_headers and bool(content)


def clean(text: str) -> str:
    """Text safe to store: raw 8-bit bytes in a header (kept by the parser as surrogates) read
    as UTF-8 or else Windows-1252; what is left undecodable becomes U+FFFD; NULs go."""
    if re.search("[\udc80-\udcff]", text):
        raw = text.encode("utf-8", "surrogateescape")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    return re.sub("[\ud800-\udfff]", "\ufffd", text).replace("\x00", "")


def _raw_header(msg: Message, name: str) -> str | None:
    """A header's value decoded by hand (RFC 2047 words, unknown charsets replaced): for when
    the policy's own parsing fails on a garbled header."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            parts = []
            try:
                decoded = decode_header(str(value))
            except Exception:  # garbled encoded words: keep them as written
                return clean(str(value))
            for chunk, charset in decoded:
                if isinstance(chunk, str):
                    parts.append(chunk)
                else:
                    parts.append(_decode(chunk, charset))
            return clean("".join(parts))
    return None


def _header(msg: Message, name: str) -> str | None:
    try:
        value = msg[name]
    except Exception:  # the policy's header parser gave up
        return _raw_header(msg, name)
    if value is None:
        return None
    text = clean(str(value))
    if "\ufffd" in text:
        # Raw 8-bit bytes the policy gave up on: read them by hand (UTF-8, else Windows-1252).
        by_hand = _raw_header(msg, name)
        if by_hand is not None and "\ufffd" not in by_hand:
            return re.sub(r"\s*\n\s*", " ", by_hand)
    return text


# Labels mail clients write that Python's codecs do not know by that name (or know a narrower
# charset by: GB2312 mail is written in its superset GBK).
_CHARSET_ALIASES = {
    "windows-874": "cp874",
    "x-windows-874": "cp874",
    "iso-8859-8-i": "iso-8859-8",
    "gb2312": "gbk",
    "x-gbk": "gbk",
    "x-sjis": "shift_jis",
    "unicode-1-1-utf-7": "utf-7",
    "x-user-defined": "cp1252",
}


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    label = charset.strip().strip('"').lower()
    try:
        return codecs.lookup(_CHARSET_ALIASES.get(label, label)).name
    except LookupError:
        return None


def _decode(payload: bytes, charset: str | None) -> str:
    """Bytes in their declared charset; an unknown or wrong one falls back to UTF-8, then
    Windows-1252, and what still does not decode becomes U+FFFD."""
    declared = _codec(charset)
    if declared is not None and declared not in ("ascii",):
        return clean(payload.decode(declared, errors="replace"))
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared is None and charset:  # an unknown charset: say so with replacement characters
        return clean(payload.decode("utf-8", errors="replace"))
    return clean(payload.decode("cp1252", errors="replace"))


def _text_of(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # a transfer encoding that will not decode
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        payload = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return _decode(payload, charset).replace("\r\n", "\n")


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    return clean(str(name))[:300] if name else None


def _is_attachment(part: Message) -> bool:
    try:
        disposition = part.get_content_disposition()
    except Exception:
        disposition = None
    if disposition == "attachment":
        return True
    return _filename(part) is not None and part.get_content_maintype() != "text"


def _content(part: Message) -> bytes:
    """The part's bytes, transfer encoding undone; an attached message as its own bytes."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, list) and raw and isinstance(raw[0], Message):
        try:
            return raw[0].as_bytes()
        except Exception:
            pass
    return str(raw).encode("utf-8", "surrogateescape")


def _size(part: Message) -> int:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return len(payload)
    raw = part.get_payload()
    return len(str(raw).encode("utf-8", "surrogateescape"))


@dataclass
class _Body:
    plain: list[str]
    html: list[str]
    attachments: list[Attachment]
    delivery_status: bool = False


def _walk(part: Message, body: _Body) -> None:
    """Leaves in order, without entering attached messages (a bounce's returned original, a
    forwarded mail): those are listed as attachments."""
    ctype = part.get_content_type()
    if ctype in ("message/delivery-status", "message/global-delivery-status"):
        body.delivery_status = True
        return
    if part.get_content_maintype() == "multipart":
        children = part.get_payload()
        if not isinstance(children, list) or not children:
            # A multipart whose boundary never comes: its body is read as text.
            text = _text_of(part)
            if text.strip():
                body.plain.append(text)
            return
        if ctype == "multipart/alternative":
            plain = [c for c in children if c.get_content_type() == "text/plain"]
            html = [c for c in children if c.get_content_type() == "text/html"]
            others = [c for c in children if c not in plain and c not in html]
            before = len(body.plain)
            for child in plain[:1]:
                _walk(child, body)
            if len(body.plain) == before:  # no plain text, or an empty one: the HTML
                for child in html[:1]:
                    _walk(child, body)
            for child in others:
                _walk(child, body)
            return
        for child in children:
            _walk(child, body)
        return
    if ctype.startswith("message/") or _is_attachment(part):
        body.attachments.append(Attachment(_filename(part), ctype, _size(part), _content(part)))
        return
    if ctype == "text/plain" or (ctype.startswith("text/") and ctype != "text/html"):
        text = _text_of(part)
        if text.strip():
            body.plain.append(text)
    elif ctype == "text/html":
        body.html.append(_text_of(part))
    else:
        body.attachments.append(Attachment(_filename(part), ctype, _size(part), _content(part)))


def _ids(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    found = tuple(f"<{m}>" for m in _ANGLE_ID.findall(value))
    if found:
        return found
    bare = value.strip()
    return (f"<{bare}>",) if bare and " " not in bare and len(bare) < 994 else ()


def _sender(msg: Message) -> tuple[str | None, str | None]:
    for name in ("from", "sender", "reply-to", "return-path"):
        value = _header(msg, name)
        if not value:
            continue
        try:
            pairs = getaddresses([value])
        except Exception:
            pairs = []
        for display, address in pairs:
            if _ADDRESS.fullmatch(address or ""):
                return address.lower()[:320], clean(display).strip()[:200] or None
        found = _ADDRESS.search(value)
        if found:
            return found.group(0).lower()[:320], None
    return None, None


MAX_COPIES = 20


def _copied(msg: Message) -> tuple[tuple[str, str | None], ...]:
    """The Cc header's addresses, lower-cased, each once, with their display names."""
    value = _header(msg, "cc")
    if not value:
        return ()
    try:
        pairs = getaddresses([value])
    except Exception:
        return ()
    found: dict[str, str | None] = {}
    for display, address in pairs:
        if _ADDRESS.fullmatch(address or "") and len(found) < MAX_COPIES:
            found.setdefault(address.lower()[:320], clean(display).strip()[:200] or None)
    return tuple(found.items())


_BULK = frozenset({"bulk", "junk", "list"})
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|returned mail|delivery (status notification|failure)|failure notice|"
    r"mail delivery failed",
    re.IGNORECASE,
)


def _automatic(
    msg: Message, body: _Body, sender: str | None, subject: str
) -> tuple[str, str] | None:
    """("bounce" | "auto_reply", why) for mail a machine sent; None for a person's."""
    ctype = msg.get_content_type()
    report = (msg.get_param("report-type") or "") if ctype == "multipart/report" else ""
    if body.delivery_status or str(report).lower() == "delivery-status":
        return "bounce", "a delivery-status report"
    local = (sender or "").split("@", 1)[0]
    if local in ("mailer-daemon", "postmaster") and _BOUNCE_SUBJECT.search(subject):
        return "bounce", f"from {local}: {subject[:80]}"
    auto = (_header(msg, "auto-submitted") or "").strip().lower()
    if auto and not auto.startswith("no"):
        return "auto_reply", f"Auto-Submitted: {auto[:60]}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponse"):
        if _header(msg, name):
            return "auto_reply", f"{name}: {(_header(msg, name) or '')[:60]}"
    precedence = (_header(msg, "precedence") or "").strip().lower()
    if precedence in _BULK:
        return "auto_reply", f"Precedence: {precedence}"
    if str(report).lower() == "disposition-notification":
        return "auto_reply", "a read receipt"
    return None


def _sent_at(msg: Message) -> datetime | None:
    value = _header(msg, "date")
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else None


def parse(raw: bytes) -> ParsedMail:
    """Read a raw message; never raises on the message's content."""
    msg: Message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    body = _Body([], [], [])
    try:
        _walk(msg, body)
    except (RecursionError, LookupError, ValueError, TypeError):
        body = _Body([_decode(raw.partition(b"\n\n")[2], None)], [], [])
    if body.plain:
        text = "\n\n".join(t.strip("\n") for t in body.plain if t.strip())
    else:
        text = "\n\n".join(html_to_text(h) for h in body.html)
    subject = re.sub(r"\s+", " ", _header(msg, "subject") or "").strip()
    sender_email, sender_name = _sender(msg)
    given = _ids(_header(msg, "message-id"))
    message_id = given[0] if given else f"<{hashlib.sha256(raw).hexdigest()}@inbound.invalid>"
    reply, quoted = split_reply(text)
    automatic = _automatic(msg, body, sender_email, subject)
    return ParsedMail(
        sender_email=sender_email,
        sender_name=sender_name,
        subject=subject,
        message_id=message_id,
        message_id_given=bool(given),
        in_reply_to=_ids(_header(msg, "in-reply-to"))[:10],
        references=_ids(_header(msg, "references"))[-40:],
        text=text,
        reply=reply,
        quoted=quoted,
        attachments=tuple(body.attachments),
        automatic=automatic[0] if automatic else None,
        automatic_reason=automatic[1] if automatic else None,
        sent_at=_sent_at(msg),
        has_headers=bool(list(msg.keys())),
        cc=_copied(msg),
    )


def stored_id(message_id: str) -> str:
    """The id kept in an interaction's external_id: the message id, or its digest when longer
    than the column."""
    if len(message_id) <= MAX_ID:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()
