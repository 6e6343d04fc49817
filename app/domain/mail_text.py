"""The readable text of a mail: HTML turned into text, and a reply split from the history it quotes."""

import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    {"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}
)
_SKIPPED = frozenset({"script", "style", "head", "title"})


class _TextOfHtml(HTMLParser):
    """Collects an HTML body's text, a line per block, blockquotes prefixed with "> "."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.depth = 0  # blockquote nesting of the line being collected
        self.line_depth = 0
        self.skipping = 0

    def _break(self) -> None:
        text = re.sub(r"[ \t\r\n\u00a0]+", " ", "".join(self.current)).strip()
        self.lines.append("> " * self.line_depth + text if text else "")
        self.current = []
        self.line_depth = self.depth

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "blockquote":
            self._break()
            self.depth += 1
            self.line_depth = self.depth
        elif tag in _BLOCKS:
            self._break()
            if tag == "li":
                self.current.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self._break()
            self.depth = max(0, self.depth - 1)
            self.line_depth = self.depth
        elif tag in _BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.current.append(data)


def html_to_text(html: str) -> str:
    """The text a reader sees in an HTML body: blocks as lines, quotes marked with "> "."""
    parser = _TextOfHtml()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        pass
    parser._break()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(parser.lines)).strip()


# Where quoted history starts: the attribution line clients write above a quote (English,
# Dutch, German, French, Hungarian, Greek, Thai), an Outlook "Original Message" divider, or an
# Outlook header block (From/Van/Von/Feladó followed by a Sent/Date/Verzonden line).
_ATTRIBUTION = re.compile(
    r"^(On\b.*\bwrote|Op\b.*\bschreef|Am\b.*\bschrieb|Le\b.*\ba écrit|.*\bírta|.*έγραψε|.*เขียน)\s*:\s*$",
    re.IGNORECASE,
)
_DIVIDER = re.compile(
    r"^\s*-{2,}\s*(Original Message|Oorspronkelijk bericht|Ursprüngliche Nachricht|"
    r"Message d'origine|Eredeti üzenet)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(From|Van|Von|De|Feladó|Από)\s*:\*?\s+\S", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\s*\*?(Sent|Date|Verzonden|Datum|Gesendet|Envoyé|Elküldve|Dátum|Στάλθηκε)\s*:",
    re.IGNORECASE,
)

# A forwarded message's header block is the message, not history to trim.
_FORWARDED = re.compile(
    r"forwarded message|doorgestuurd bericht|weitergeleitete nachricht|message transféré|"
    r"továbbított üzenet",
    re.IGNORECASE,
)


def _quote_starts(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        joined = line.strip() + " " + (lines[i + 1].strip() if i + 1 < len(lines) else "")
        if _ATTRIBUTION.match(line.strip()) or (
            line.strip() and not line.startswith(">") and _ATTRIBUTION.match(joined.strip())
        ):
            return i
        if _DIVIDER.match(line):
            return i
        following = lines[i + 1 : i + 4]
        forwarded = any(_FORWARDED.search(p) for p in lines[max(0, i - 2) : i])
        if (
            _HEADER_FROM.match(line)
            and any(_HEADER_SENT.match(n) for n in following)
            and not forwarded
        ):
            # An Outlook block is often preceded by a rule of underscores: cut there.
            return i - 1 if i > 0 and set(lines[i - 1].strip()) == {"_"} else i
        if line.startswith(">") and all(
            not rest.strip() or rest.startswith(">") for rest in lines[i:]
        ):
            return i
    return None


def split_reply(text: str) -> tuple[str, str]:
    """(the new part of a reply, the quoted history below it). The history is kept by the
    caller; when nothing but history is found, all of it is the reply."""
    lines = text.splitlines()
    cut = _quote_starts(lines)
    if cut is None:
        return text.strip(), ""
    reply = "\n".join(lines[:cut]).strip()
    quoted = "\n".join(lines[cut:]).strip()
    if not reply:
        return text.strip(), ""
    return reply, quoted
