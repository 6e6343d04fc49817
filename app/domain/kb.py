"""Knowledge base rules: how each language's words are found, an article's life and who sees it,
which translation a reader is served, what changed between two revisions, and rendering."""

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Literal

import nh3
from markdown_it import MarkdownIt
from newmm_tokenizer.tokenizer import word_tokenize

from app.domain import events
from app.domain.access import CUSTOMER, Principal

# ---- languages and their words -----------------------------------------------------------------

# The languages stemmed by their own PostgreSQL configuration; any other is searched word by
# word ('simple'), Thai after it is segmented into words here (it writes no spaces between them).
CONFIGS: dict[str, str] = {
    "en": "english",
    "nl": "dutch",
    "el": "greek",
    "hu": "hungarian",
}
PLAIN = "simple"
SEGMENTED = frozenset({"th"})
# Every configuration a query may be parsed with when no language is asked for.
ALL_CONFIGS: tuple[str, ...] = (*sorted(set(CONFIGS.values())), PLAIN)

_THAI = re.compile(r"[\u0e00-\u0e7f]")
_SPACE = re.compile(r"\s+")


def base_language(language: str) -> str:
    """The primary subtag of a language tag, lower case: `nl` of `nl-BE`."""
    return language.split("-", 1)[0].lower()


def config_for(language: str) -> str:
    """The text search configuration that stems `language`'s words."""
    return CONFIGS.get(base_language(language), PLAIN)


def has_thai(text: str) -> bool:
    return _THAI.search(text) is not None


def segment(text: str) -> str:
    """`text` with a space between every word of its Thai runs (newmm: dictionary-based maximal
    matching); other text is left as it is. Documents and queries go through the same cut, so a
    query's words are the document's words."""
    if not has_thai(text):
        return text
    words = word_tokenize(text, keep_whitespace=False)
    return _SPACE.sub(" ", " ".join(w for w in words if w.strip())).strip()


def words_of(language: str, text: str) -> str:
    """The text as the search indexes it: segmented when the language (or the text) is Thai."""
    if base_language(language) in SEGMENTED or has_thai(text):
        return segment(text)
    return text


@dataclass(frozen=True)
class IndexedText:
    """What an article is found by: its fields as words (Thai segmented), in its configuration."""

    config: str
    title: str
    summary: str
    body: str
    # The body as words when that differs from the body as written (snippets are cut from it).
    segmented_body: str | None

    @property
    def all_words(self) -> str:
        """Title, summary and body as words: what a query's typos are corrected against."""
        return f"{self.title} {self.summary} {self.body}".strip()


def indexed_text(language: str, title: str, summary: str | None, body: str) -> IndexedText:
    words = words_of(language, body)
    return IndexedText(
        config=config_for(language),
        title=words_of(language, title),
        summary=words_of(language, summary or ""),
        body=words,
        segmented_body=words if words != body else None,
    )


# Below this many characters (after trimming), a query is matched by trigram similarity alone:
# one or two letters stem to nothing useful.
SHORT_QUERY = 3


@dataclass(frozen=True)
class WantedWords:
    """What a query asks of an article's words, as the candidates are chosen: `words` all
    present (any of them when `any_of`). `exact`: the query uses web-search syntax (`or`,
    `-word`, a quoted phrase) that word presence alone does not decide, so the candidates are
    checked against the query itself before they are ranked."""

    words: str
    any_of: bool
    exact: bool


# A quoted phrase (its closing quote optional, as websearch_to_tsquery reads it) or a word.
_QUERY_TOKEN = re.compile(r'"[^"]*"?|\S+')


def wanted_words(words: str) -> WantedWords:
    """The words a candidate must hold, read from web-search syntax: `or` makes any of them
    enough, a `-word` is left to the exact check, a phrase's words must all be present."""
    kept: list[str] = []
    any_of = exact = False
    for token in _QUERY_TOKEN.findall(words):
        if token.lower() == "or":
            any_of = exact = True
        elif token.startswith("-") and len(token) > 1:
            exact = True
        else:
            if token.startswith('"'):
                exact = True
            kept.append(token.strip('"'))
    return WantedWords(words=" ".join(kept), any_of=any_of, exact=exact)


@dataclass(frozen=True)
class SearchPlan:
    """How to run a query: the configurations to parse it with (one when a language is asked),
    its words as the index has them, and whether full text is worth trying at all."""

    configs: tuple[str, ...]
    words: str
    full_text: bool
    base_language: str | None
    wanted: WantedWords


def plan_search(query: str, language: str | None) -> SearchPlan:
    words = segment(query.strip())
    configs = (config_for(language),) if language else ALL_CONFIGS
    return SearchPlan(
        configs=configs,
        words=words,
        full_text=len(query.strip()) >= SHORT_QUERY,
        base_language=base_language(language) if language else None,
        wanted=wanted_words(words),
    )


# ---- typos ------------------------------------------------------------------------------------

# What is trimmed from a query's word before it is looked up among the articles' words.
_PUNCTUATION = ".,;:!?()[]{}<>\"'«»„“”‘’"


def words_to_correct(plan: SearchPlan) -> list[str]:
    """The words of a query, lower case, as kb_words keeps the articles' words."""
    words = (w.strip(_PUNCTUATION).lower() for w in plan.wanted.words.split())
    return [w for w in words if w]


def corrected_plan(plan: SearchPlan, words: Sequence[str]) -> SearchPlan | None:
    """The plan searching `words` (the query's words corrected to known words) as plain
    words, all of them required; None when no word was corrected (nothing new to search)."""
    if list(words) == words_to_correct(plan):
        return None
    text = " ".join(words)
    return SearchPlan(
        configs=plan.configs,
        words=text,
        full_text=True,
        base_language=plan.base_language,
        wanted=wanted_words(text),
    )


# ---- snippets ----------------------------------------------------------------------------------

# A snippet is cut (ts_headline) from a window of the body around its first matched word, not
# from the whole body: cutting parses and stems every word it is given, ~1–2 ms for a body of
# a few hundred words, for each hit of a page. The window reaches a little before the word and
# SNIPPET_WINDOW characters after it: room for ts_headline's two fragments of up to 30 words.
SNIPPET_BEFORE = 80
SNIPPET_WINDOW = 480


def _unaccented(c: str) -> str:
    return unicodedata.normalize("NFD", c)[:1].lower() or c


# Each unaccented letter of the Latin and Greek alphabets, with its accented forms: a lexeme
# (`λογαριασμ`, accents folded by the Greek stemmer) matches the word as written.
_ACCENTED: dict[str, str] = {}
for _code in (*range(0xC0, 0x180), *range(0x386, 0x3D0)):
    _letter = chr(_code).lower()
    _base = _unaccented(_letter)
    if _letter.isalpha() and _base.isalpha() and _base != _letter:
        _ACCENTED[_base] = "".join(dict.fromkeys(_ACCENTED.get(_base, "") + _letter))


# Each accented letter → its unaccented letter, one character for another: a position in the
# folded text is the same position in the text.
_FOLD = str.maketrans({a: base for base, accented in _ACCENTED.items() for a in accented})


def _folded(word: str) -> str:
    """`word` in lower case without accents, as a folded text holds it."""
    return "".join(_unaccented(c) for c in word)


def _starts_word(text: str, at: int) -> bool:
    # What `\w` is to a regular expression: a letter, digit or underscore.
    return at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_")


def _first_at(folded: str, words: Sequence[str]) -> int | None:
    """Where the first of `words` (folded) begins a word of `folded`. A search for each word
    (str.find) rather than one regular expression of them all: compiling that costs more
    than a page's searches, and a query's words seldom repeat."""
    first: int | None = None
    for word in {w for w in words if len(w) >= 2}:
        at = folded.find(word)
        while at >= 0 and (first is None or at < first):
            if _starts_word(folded, at):
                first = at
                break
            at = folded.find(word, at + 1)
    return first


def snippet_window(text: str, words: Sequence[str]) -> tuple[str, bool]:
    """The part of `text` to cut a snippet from, and whether one of `words` (the query's
    words and their lexemes) begins a word in it, in any case and with or without accents.
    Lexemes are stems, mostly a prefix of the word they come from (`printer` of `printers`,
    `λογαριασμ` of `λογαριασμός`); when none is found (a stem that is not a prefix, or no
    match in the body), the text's opening."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter whose lower case is two (rare): as written
        lowered = text
    found = _first_at(lowered.translate(_FOLD), [_folded(w) for w in words])
    if found is None:
        return text[: SNIPPET_BEFORE + SNIPPET_WINDOW], False
    start = max(0, found - SNIPPET_BEFORE)
    if start:
        space = text.find(" ", start, found)
        start = space + 1 if space >= 0 else found
    return text[start : found + SNIPPET_WINDOW], True


# ---- an article's life ---------------------------------------------------------------------------

Status = Literal["draft", "published", "archived"]
Visibility = Literal["internal", "public"]
# Where an article may go from each status. An archived article comes back as a draft to be
# reviewed before it is published again.
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"published", "archived"}),
    "published": frozenset({"archived", "draft"}),
    "archived": frozenset({"draft"}),
}


def transition_refusal(current: str, wanted: str) -> str | None:
    """Why an article may not move from `current` to `wanted`, or None."""
    if current == wanted or wanted in TRANSITIONS[current]:
        return None
    allowed = ", ".join(sorted(TRANSITIONS[current]))
    return f"a {current} article may become {allowed}, not {wanted}"


# The desk events (staff only) an article's writes cause.
def article_events(before_status: str | None, after_status: str, new_revision: bool) -> list[str]:
    """Published when the article becomes published (created so, or moved there), archived
    when it is archived, updated when its content has a new revision (an edit, a restore).
    A draft created is no event; a change of audience or review date alone is none either."""
    types = []
    if new_revision and before_status is not None:
        types.append(events.KB_ARTICLE_UPDATED)
    if after_status != before_status:
        if after_status == "published":
            types.append(events.KB_ARTICLE_PUBLISHED)
        elif after_status == "archived":
            types.append(events.KB_ARTICLE_ARCHIVED)
    return types


def article_event_payload(
    *,
    article_id: int,
    group_id: int,
    source_article_id: int | None,
    language: str,
    status: str,
    publish_at: datetime | None,
    visibility: str,
    revision: int,
    now: datetime,
) -> dict[str, object]:
    """Ids and states only, never the title or the text (an event outlives what it names):
    `status` as shown (`scheduled` until publish_at)."""
    return {
        "article_id": article_id,
        "group_id": group_id,
        "source_article_id": source_article_id,
        "language": language,
        "status": shown_status(status, publish_at, now),
        "visibility": visibility,
        "revision": revision,
    }


def shown_status(status: str, publish_at: datetime | None, now: datetime) -> str:
    """The status a reader sees: a published article whose `publish_at` is still to come is
    `scheduled`. Evaluated when read, so it appears at `publish_at` exactly, with no worker."""
    if status == "published" and publish_at is not None and publish_at > now:
        return "scheduled"
    return status


def is_live(status: str, publish_at: datetime | None, now: datetime) -> bool:
    return shown_status(status, publish_at, now) == "published"


def past_review(review_by: datetime | None, status: str, now: datetime) -> bool:
    return review_by is not None and review_by <= now and status != "archived"


# ---- who sees what -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """What of the knowledge base a caller sees. A customer token: published public articles.
    Everyone else: published articles, internal ones too. Drafts (and scheduled or archived
    articles): only their author (this key, a key it rotated, or its agent), the owner team's
    members and admins."""

    public_only: bool
    all_drafts: bool
    agent_id: int | None = None
    key_ids: frozenset[int] = frozenset()
    team_ids: frozenset[int] = frozenset()
    customer_id: int | None = None

    @property
    def audience(self) -> Visibility:
        return "public" if self.public_only else "internal"


def reader_of(caller: Principal) -> Reader:
    if caller.customer_id is not None or caller.role == CUSTOMER:
        return Reader(public_only=True, all_drafts=False, customer_id=caller.customer_id)
    return Reader(
        public_only=False,
        all_drafts=caller.role in ("admin", "system"),
        agent_id=caller.agent_id,
        key_ids=caller.lineage or frozenset({caller.key_id}),
        team_ids=caller.team_ids,
    )


@dataclass(frozen=True)
class ArticleFacts:
    """What deciding who sees an article needs of it."""

    status: str
    visibility: str
    publish_at: datetime | None
    owner_team_id: int | None
    author_key_id: int | None
    author_agent_id: int | None


def sees(reader: Reader, article: ArticleFacts, now: datetime) -> bool:
    """Whether `reader` sees `article` (the store's predicate says the same in SQL)."""
    if is_live(article.status, article.publish_at, now):
        return not reader.public_only or article.visibility == "public"
    if reader.public_only:
        return False
    return reader.all_drafts or is_editor(reader, article)


def is_editor(reader: Reader, article: ArticleFacts) -> bool:
    """The article's author or a member of its owner team."""
    return (
        (article.author_key_id is not None and article.author_key_id in reader.key_ids)
        or (reader.agent_id is not None and article.author_agent_id == reader.agent_id)
        or (article.owner_team_id is not None and article.owner_team_id in reader.team_ids)
    )


def owns_search(reader: Reader, key_id: int | None, customer_id: int | None) -> bool:
    """Whether a recorded search (made with `key_id`, for `customer_id`) is the reader's."""
    if reader.customer_id is not None:
        return customer_id == reader.customer_id
    return key_id is not None and key_id in reader.key_ids


# ---- translations ----------------------------------------------------------------------------


def fallback_chain(requested: str | None, default_language: str) -> list[str]:
    """The languages tried for a reader asking `requested`, most wanted first: the tag itself,
    its primary subtag, then the group's default (`nl-BE` → `nl` → `en`)."""
    chain: list[str] = []
    if requested:
        chain.append(requested.lower())
        if base_language(requested) != requested.lower():
            chain.append(base_language(requested))
    chain.append(default_language.lower())
    return list(dict.fromkeys(chain))


def choose_translation(
    available: Mapping[str, int], requested: str | None, default_language: str
) -> tuple[int, str] | None:
    """The article (id) and language served from `available` (language → id, as the reader
    sees them): the first of the fallback chain that is there; None when none is."""
    lowered = {
        language.lower(): (article_id, language) for language, article_id in available.items()
    }
    for language in fallback_chain(requested, default_language):
        if language in lowered:
            return lowered[language]
    return None


def is_outdated(source_revision: int | None, source_current: int | None) -> bool:
    """A translation is outdated exactly when its source has a revision newer than the one it
    was made from."""
    return (
        source_revision is not None
        and source_current is not None
        and source_current > source_revision
    )


# ---- revisions -------------------------------------------------------------------------------

CONTENT_FIELDS = ("title", "summary", "body", "category", "tags")


@dataclass(frozen=True)
class Content:
    """An article's content: what a revision holds."""

    title: str
    summary: str | None
    body: str
    category: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True)
class FieldChange:
    field: str
    # Text fields: a unified diff of their lines; tags: those added and removed.
    diff: list[str]
    added: list[str]
    removed: list[str]


def changed_fields(old: Content, new: Content) -> list[str]:
    return [f for f in CONTENT_FIELDS if getattr(old, f) != getattr(new, f)]


def diff(old: Content, new: Content, old_label: str, new_label: str) -> list[FieldChange]:
    """What changed from `old` to `new`, field by field."""
    changes: list[FieldChange] = []
    for name in changed_fields(old, new):
        before, after = getattr(old, name), getattr(new, name)
        if name == "tags":
            changes.append(
                FieldChange(
                    name,
                    [],
                    added=[t for t in after if t not in before],
                    removed=[t for t in before if t not in after],
                )
            )
            continue
        lines = difflib.unified_diff(
            (before or "").splitlines(),
            (after or "").splitlines(),
            fromfile=old_label,
            tofile=new_label,
            lineterm="",
        )
        changes.append(FieldChange(name, list(lines), added=[], removed=[]))
    return changes


# ---- rendering -------------------------------------------------------------------------------

# CommonMark with tables and strikethrough; raw HTML in the Markdown is not passed through, and
# what the renderer writes is sanitised again (ammonia's allow-list: no scripts, handlers or
# javascript: links), so a body cannot carry script into a frontend that shows it.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


@lru_cache(maxsize=1024)
def render(body: str) -> str:
    """The body's Markdown as sanitised HTML."""
    return nh3.clean(_MARKDOWN.render(body), link_rel="noopener noreferrer nofollow")


def unique_tags(tags: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.strip() for t in tags if t.strip()))


# ---- a ticket's suggestions ------------------------------------------------------------------

# How much of a ticket's description its suggestions read: its opening says what it is about,
# and a long query costs more than it finds.
SUGGESTION_TEXT = 240
# A suggestion in the ticket's own category ranks this much higher.
SAME_CATEGORY = 1.5


# How many of the ticket's words its suggestions look for: those the fewest articles hold.
# Every word of a ticket's opening, any of them, is most of the knowledge base: its most
# distinctive words find the articles about it, and the index reads a few short lists.
SUGGESTION_WORDS = 8


def ticket_text(subject: str, description: str | None) -> str:
    """The words a ticket's suggestions are looked up by."""
    return f"{subject} {(description or '')[:SUGGESTION_TEXT]}".strip()


def distinct_words(language: str | None, text: str) -> list[str]:
    """The text's words (Thai segmented), each once, lower case, in their order."""
    words = (w.strip(_PUNCTUATION).lower() for w in words_of(language or "", text).split())
    return list(dict.fromkeys(w for w in words if w))


def suggestion_score(rank: float, category: str | None, ticket_category: str | None) -> float:
    same = category is not None and ticket_category is not None
    return rank * (SAME_CATEGORY if same and category.lower() == ticket_category.lower() else 1.0)


# ---- articles named in a reply -------------------------------------------------------------

# An article's address (`…/kb/articles/42`, as a portal's link carries it) or its id written
# out (`KB-42`, `kb#42`): a public reply naming one is linked to its ticket.
_REFERENCE = re.compile(
    r"/kb/articles/(?P<path>[0-9]{1,18})(?![0-9])|\bKB[-#\s]?(?P<id>[0-9]{1,18})\b",
    re.IGNORECASE,
)
MAX_REFERENCES = 20


def article_references(text: str) -> list[int]:
    """The article ids a text names, each once, in order (at most MAX_REFERENCES)."""
    found: list[int] = []
    for match in _REFERENCE.finditer(text):
        article_id = int(match.group("path") or match.group("id"))
        if 0 < article_id < 2**63 and article_id not in found:
            found.append(article_id)
        if len(found) == MAX_REFERENCES:
            break
    return found
