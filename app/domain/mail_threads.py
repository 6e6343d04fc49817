"""The marks the desk puts on its outbound mail so replies find their ticket: Message-IDs and
`[ref:…]` tokens signed with the service's key, and the `[#id]` subject token; and how the desk
knows its own mail when it comes back in."""

import base64
import hashlib
import hmac
import re
from collections.abc import Collection

_MESSAGE_ID = re.compile(r"^<hd\.(\d{1,18})\.(\d{1,18})\.([a-z2-7]{20})@[^<>\s]+>$")
_REFERENCE = re.compile(r"\[ref:(\d{1,18})\.([a-z2-7]{16})\]", re.IGNORECASE)
_SUBJECT_TOKEN = re.compile(r"\[#(\d{1,18})\]")


def _signature(key: bytes, message: str, length: int) -> str:
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:length]


def message_id(key: bytes, ticket_id: int, interaction_id: int, domain: str) -> str:
    """The Message-ID of the desk's mail for one interaction: it names the ticket, signed."""
    signature = _signature(key, f"message:{ticket_id}:{interaction_id}", 20)
    return f"<hd.{ticket_id}.{interaction_id}.{signature}@{domain}>"


def ticket_of_message_id(key: bytes, value: str) -> int | None:
    """The ticket a Message-ID the desk made names; None for any other (or a forged) one."""
    found = _MESSAGE_ID.match(value)
    if found is None:
        return None
    ticket, interaction, signature = found.groups()
    wanted = _signature(key, f"message:{ticket}:{interaction}", 20)
    return int(ticket) if hmac.compare_digest(wanted, signature) else None


def own_mail_reason(
    key: bytes, message_id: str, sender_email: str | None, own_addresses: Collection[str]
) -> str | None:
    """Why a received message is the desk's own mail come back (a mail loop): its Message-ID
    is one the desk made and signed, or it is from one of the desk's own addresses. None for
    anyone else's."""
    if ticket_of_message_id(key, message_id) is not None:
        return "the desk's own signed Message-ID"
    if sender_email is not None and sender_email.lower() in own_addresses:
        return "from the desk's own address"
    return None


def reference_token(key: bytes, ticket_id: int) -> str:
    """The token the desk writes into outbound bodies, for clients that strip headers."""
    return f"[ref:{ticket_id}.{_signature(key, f'reference:{ticket_id}', 16)}]"


def ticket_of_reference(key: bytes, text: str) -> int | None:
    """The ticket of the first genuine reference token in `text` (a subject, a body)."""
    for found in _REFERENCE.finditer(text):
        ticket, signature = found.group(1), found.group(2).lower()
        if hmac.compare_digest(_signature(key, f"reference:{ticket}", 16), signature):
            return int(ticket)
    return None


def subject_token(ticket_id: int) -> str:
    return f"[#{ticket_id}]"


def ticket_of_subject(subject: str) -> int | None:
    """The ticket a `[#id]` subject token names (not signed: the sender must be on the ticket)."""
    found = _SUBJECT_TOKEN.search(subject)
    return int(found.group(1)) if found else None


def reply_subject(subject: str, ticket_id: int) -> str:
    """ "Re: <subject> [#id]", without piling up prefixes or tokens."""
    bare = re.sub(r"^((re|aw|sv|antw|vs|odp|ynt)\s*:\s*)+", "", subject, flags=re.IGNORECASE)
    bare = _SUBJECT_TOKEN.sub("", bare).strip()
    return f"Re: {bare} {subject_token(ticket_id)}".replace("  ", " ")
