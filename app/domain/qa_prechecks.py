"""Automatic QA pre-checks: what the ticket's data and its public replies show, as suggestions.

Each check yields a verdict (True: passed, False: failed, None: cannot tell) and the evidence
behind it. The reviewer accepts or overrules each one; the check decides nothing on its own.

Text checks read the public outbound interactions in the ticket's language (English, Dutch,
Greek, Hungarian or Thai; every one of them when the ticket names none of those). Text is
compared case- and accent-insensitively; Thai, written without spaces between words, is matched
as substrings, the others on word boundaries."""

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

LANGUAGES = ("en", "nl", "el", "hu", "th")
UPDATE_INTERVAL = timedelta(hours=24)

GREETINGS: dict[str, tuple[str, ...]] = {
    "en": ("hello", "hi", "hey", "dear", "good morning", "good afternoon", "good evening"),
    "nl": ("hallo", "hoi", "beste", "geachte", "goedemorgen", "goedemiddag", "goedenavond"),
    "el": ("γεια σας", "γεια σου", "καλημέρα", "καλησπέρα", "αγαπητέ", "αγαπητή", "χαίρετε"),
    "hu": ("jó napot", "jó reggelt", "jó estét", "üdvözlöm", "kedves", "tisztelt", "szia", "helló"),
    "th": ("สวัสดี",),
}
THANKS: dict[str, tuple[str, ...]] = {
    "en": ("thank you", "thanks", "we appreciate", "i appreciate"),
    "nl": ("bedankt", "dank u", "dank je", "dankjewel", "dankuwel", "hartelijk dank"),
    "el": ("ευχαριστώ", "ευχαριστούμε", "σας ευχαριστ"),
    "hu": ("köszönöm", "köszönjük", "köszi", "hálásan"),
    "th": ("ขอบคุณ",),
}
ANYTHING_ELSE: dict[str, tuple[str, ...]] = {
    "en": ("anything else", "any other questions", "anything more", "further questions"),
    "nl": ("nog iets", "verder nog", "andere vragen", "nog vragen"),
    "el": ("κάτι άλλο", "οτιδήποτε άλλο", "άλλη ερώτηση", "άλλες ερωτήσεις"),
    "hu": ("még valami", "bármi más", "más kérdés", "egyéb kérdés", "további kérdés"),
    "th": ("อะไรอีก", "อย่างอื่นอีก", "คำถามอื่น", "สอบถามเพิ่มเติม"),
}
BLAME: dict[str, tuple[str, ...]] = {
    "en": (
        "your fault",
        "you should have",
        "you failed to",
        "you didn't read",
        "you did not read",
        "as i already told you",
        "as i said before",
        "user error",
    ),
    "nl": (
        "uw schuld",
        "jouw schuld",
        "je eigen schuld",
        "had u moeten",
        "je had moeten",
        "zoals ik al zei",
    ),
    "el": (
        "δικό σας λάθος",
        "δικό σου λάθος",
        "φταίτε",
        "φταις",
        "έπρεπε να είχατε",
        "όπως σας είπα ήδη",
    ),
    "hu": (
        "az ön hibája",
        "a te hibád",
        "önnek kellett volna",
        "ahogy már mondtam",
        "saját hibája",
    ),
    "th": ("ความผิดของคุณ", "คุณควรจะ", "บอกไปแล้ว", "คุณผิดเอง"),
}
# A time estimate: a number and a unit, or a day named.
_UNITS: dict[str, str] = {
    "en": r"(minutes?|mins?|hours?|hrs?|days?|business days?|working days?|weeks?)",
    "nl": r"(minuten|minuut|uur|uren|dagen|dag|werkdagen|werkdag|weken|week)",
    "el": r"(λεπτά|λεπτό|ώρες|ώρα|ώρας|ημέρες|ημέρα|μέρες|εβδομάδες)",
    "hu": r"(perc|percen|órán|óra|órát|napon|nap|munkanapon|héten|hét)",
    "th": r"(นาที|ชั่วโมง|วันทำการ|วัน|สัปดาห์)",
}
DAYS: dict[str, tuple[str, ...]] = {
    "en": ("today", "tomorrow", "end of day", "by monday", "by friday", "next week"),
    "nl": ("vandaag", "morgen", "overmorgen", "volgende week", "voor het einde van de dag"),
    "el": ("σήμερα", "αύριο", "την επόμενη εβδομάδα", "μέχρι το τέλος της ημέρας"),
    "hu": ("ma ", "holnap", "jövő héten", "a nap végéig"),
    "th": ("วันนี้", "พรุ่งนี้", "สัปดาห์หน้า", "ภายใน"),
}


def fold(text: str) -> str:
    """Text for comparing: case folded, accents dropped (not Thai marks, which are letters)."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch) == "Mn" and not (out and "\u0e00" <= out[-1] <= "\u0e7f"):
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)).casefold()


def _found(text: str, phrases: Sequence[str], language: str) -> str | None:
    """The first of `phrases` in `text` (both folded), or None."""
    folded = fold(text)
    for phrase in phrases:
        p = fold(phrase)
        if language == "th":
            if p in folded:
                return phrase
        elif re.search(rf"(?<!\w){re.escape(p.strip())}(?!\w)", folded):
            return phrase
    return None


def _time_estimate(text: str, language: str) -> str | None:
    folded = fold(text)
    unit = fold(_UNITS[language])
    spacer = r"\s*" if language == "th" else r"\s+"
    match = re.search(rf"\d+{spacer}{unit}", folded)
    if match and language != "th":
        match = re.search(rf"(?<!\w)\d+{spacer}{unit}(?!\w)", folded) or match
    if match:
        return match.group(0)
    return _found(text, DAYS[language], language)


# ---- names, and their Greek vocative -------------------------------------------------------


def greek_vocatives(name: str) -> set[str]:
    """The forms of a Greek name a writer addresses its bearer with: Γιώργος → Γιώργο,
    Αλέξανδρος → Αλέξανδρε, Δημήτρης → Δημήτρη, Κώστας → Κώστα, Παπαδόπουλος → Παπαδόπουλε.
    -ος takes -ο in two-syllable names and -ε in longer ones; both are accepted, as people
    write both."""
    forms = {name}
    for ending, vocatives in (
        ("ος", ("ο", "ε")),
        ("ός", ("ό", "έ")),
        ("ης", ("η",)),
        ("ής", ("ή",)),
        ("ας", ("α",)),
        ("άς", ("ά",)),
        ("ούς", ("ού",)),
        ("ές", ("έ",)),
    ):
        if name.endswith(ending):
            forms.update(name[: -len(ending)] + v for v in vocatives)
    return forms


def name_forms(name: str, language: str) -> set[str]:
    """The forms of each part of the customer's name a reply may address them with."""
    parts = [p for p in re.split(r"[\s,.]+", name) if len(p) >= 2]
    forms: set[str] = set()
    for part in parts:
        forms.update(greek_vocatives(part) if language == "el" else {part})
    return forms


# ---- the checks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """A public outbound interaction: what the customer read from the desk."""

    interaction_id: int
    occurred_at: datetime
    body: str


@dataclass(frozen=True)
class TicketFacts:
    created_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    first_responded_at: datetime | None
    first_response_due_at: datetime | None
    tags: tuple[str, ...]
    category: str | None
    language: str | None
    customer_name: str | None
    agent_reply_count: int
    reopen_count: int
    escalations: int
    transfers: int
    replies: tuple[Reply, ...]
    # The knowledge-base articles linked to the ticket as solving it, in the order linked.
    linked_articles: tuple[int, ...]


@dataclass(frozen=True)
class Suggestion:
    check: str
    passed: bool | None
    evidence: str
    interaction_id: int | None = None


def languages_of(language: str | None) -> tuple[str, ...]:
    """The word lists to read a ticket in: its language's, or all of them when it names none."""
    primary = (language or "").split("-")[0].lower()
    return (primary,) if primary in LANGUAGES else LANGUAGES


def _text_check(
    check: str,
    replies: Sequence[Reply],
    languages: Sequence[str],
    find: "PhraseFinder",
    *,
    what: str,
) -> Suggestion:
    if not replies:
        return Suggestion(check, None, "no public reply to the customer to read")
    for reply in replies:
        for language in languages:
            hit = find(reply.body, language)
            if hit is not None:
                return Suggestion(
                    check,
                    True,
                    f"interaction {reply.interaction_id} ({language}): {hit!r}",
                    reply.interaction_id,
                )
    return Suggestion(
        check,
        False,
        f"no {what} in {len(replies)} public repl{'y' if len(replies) == 1 else 'ies'}",
    )


class PhraseFinder:
    """The phrase of `lists` found in a text, per language."""

    def __init__(self, lists: dict[str, tuple[str, ...]]) -> None:
        self.lists = lists

    def __call__(self, text: str, language: str) -> str | None:
        return _found(text, self.lists[language], language)


class _EstimateFinder(PhraseFinder):
    def __init__(self) -> None:
        super().__init__({})

    def __call__(self, text: str, language: str) -> str | None:
        return _time_estimate(text, language)


def text_checks(facts: TicketFacts) -> list[Suggestion]:
    """Greeting (in the first reply), the customer's name, thanks, a time estimate, "anything
    else?" (anywhere) and no blame phrase (in none)."""
    replies = sorted(facts.replies, key=lambda r: (r.occurred_at, r.interaction_id))
    languages = languages_of(facts.language)
    found: list[Suggestion] = [
        _text_check("greeting", replies[:1], languages, PhraseFinder(GREETINGS), what="greeting"),
        _text_check("thanks", replies, languages, PhraseFinder(THANKS), what="thanks"),
        _text_check("time_estimate", replies, languages, _EstimateFinder(), what="time estimate"),
        _text_check(
            "anything_else",
            replies,
            languages,
            PhraseFinder(ANYTHING_ELSE),
            what='"anything else?"',
        ),
    ]
    if not facts.customer_name:
        found.append(Suggestion("customer_name", None, "the customer has no name on record"))
    else:
        forms = {
            language: tuple(sorted(name_forms(facts.customer_name, language)))
            for language in languages
        }
        found.append(
            _text_check(
                "customer_name",
                replies,
                languages,
                PhraseFinder(forms),
                what="use of the customer's name",
            )
        )
    blame = _text_check("no_blame", replies, languages, PhraseFinder(BLAME), what="blame phrase")
    if blame.passed is None:
        found.append(blame)
    else:
        # Found a blame phrase: the check fails, with the phrase as its evidence.
        found.append(Suggestion("no_blame", not blame.passed, blame.evidence, blame.interaction_id))
    return found


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"


def fact_checks(facts: TicketFacts, now: datetime) -> list[Suggestion]:
    """What the ticket's data proves: updates at least every 24 h, first response within its
    SLA, escalated or transferred, tags and category present, resolved at first contact, a
    knowledge-base article linked."""
    found: list[Suggestion] = []
    # Updates: from the ticket's opening, each public reply, to its resolution (or now).
    end = facts.resolved_at or facts.closed_at or now
    instants = [
        facts.created_at,
        *sorted(r.occurred_at for r in facts.replies if r.occurred_at <= end),
        end,
    ]
    gaps = [(b - a, a, b) for a, b in itertools.pairwise(instants)]
    widest = max(gaps, key=lambda g: g[0]) if gaps else None
    if widest is None:
        found.append(Suggestion("update_gap", None, "no time has passed"))
    else:
        gap, start, stop = widest
        found.append(
            Suggestion(
                "update_gap",
                gap <= UPDATE_INTERVAL,
                f"widest gap between public updates {_hours(gap)}"
                f" ({start.isoformat()} to {stop.isoformat()})",
            )
        )
    due, responded = facts.first_response_due_at, facts.first_responded_at
    if due is None:
        found.append(Suggestion("first_response_sla", None, "no first-response target applied"))
    elif responded is None:
        late = now > due
        found.append(
            Suggestion(
                "first_response_sla",
                False if late else None,
                f"no first response; due {due.isoformat()}",
            )
        )
    else:
        found.append(
            Suggestion(
                "first_response_sla",
                responded <= due,
                f"first response {responded.isoformat()}, due {due.isoformat()}",
            )
        )
    moved = facts.escalations + facts.transfers
    found.append(
        Suggestion(
            "escalated_or_transferred",
            moved > 0,
            f"{facts.escalations} escalation(s), {facts.transfers} transfer(s)",
        )
    )
    missing = [n for n, v in (("tags", facts.tags), ("category", facts.category)) if not v]
    found.append(
        Suggestion(
            "tagged",
            not missing,
            "missing: " + ", ".join(missing)
            if missing
            else f"category {facts.category!r}, tags {list(facts.tags)}",
        )
    )
    first_contact = (
        facts.resolved_at is not None and facts.agent_reply_count <= 1 and facts.reopen_count == 0
    )
    found.append(
        Suggestion(
            "resolved_first_contact",
            first_contact if facts.resolved_at is not None else None,
            "not resolved"
            if facts.resolved_at is None
            else f"{facts.agent_reply_count} agent repl(ies), reopened {facts.reopen_count} time(s)",
        )
    )
    # The checklist's "resolved at first contact or escalated properly": either fact passes it;
    # whether an escalation was proper is the reviewer's judgement.
    if first_contact or moved:
        why = "resolved at first contact" if first_contact else "escalated or transferred"
        found.append(Suggestion("resolved_or_escalated", True, why))
    else:
        found.append(
            Suggestion(
                "resolved_or_escalated",
                None if facts.resolved_at is None else False,
                "neither resolved at first contact nor escalated or transferred",
            )
        )
    articles = facts.linked_articles
    found.append(
        Suggestion(
            "kb_article_linked",
            bool(articles),
            f"article(s) {', '.join(str(a) for a in articles)} linked"
            if articles
            else "no knowledge-base article linked",
        )
    )
    return found


def run(facts: TicketFacts, now: datetime) -> list[Suggestion]:
    """Every pre-check, facts first."""
    return [*fact_checks(facts, now), *text_checks(facts)]
