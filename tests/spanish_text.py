"""Find English interface words left on a page meant to be in Spanish: the visible text and the
attributes a screen reader reads, minus the listings' own text (marked lang="en")."""

from __future__ import annotations

import re
from html.parser import HTMLParser

READ_ALOUD = ("aria-label", "placeholder", "title", "alt")
# <title> holds a listing's name beside the site's, and cannot mark half of itself lang="en";
# a <textarea> holds what someone typed, not the interface.
SKIPPED = {"script", "style", "title", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

# English words of the interface that are not also Spanish words.
ENGLISH = re.compile(
    r"\b(the|and|of|for|with|your|you|please|search|filters?|open|closed|call|hours|today|"
    r"services?|category|categories|languages?|phone|where|who|what|how|report|problem|"
    r"listings?|page|next|previous|miles?|home|skip|back|send|sign|staff|download|near|"
    r"results?|found|free|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"accepting|clients?|walk-ins?|welcome|payment|ages?|verified|directions|website|"
    r"location|organization|crisis help|text|emergency|am|pm)\b",
    re.IGNORECASE,
)
# Proper names the Spanish text keeps, and addresses (no language).
NAMES = re.compile(
    r"Open Referral|HSDS|Medicaid|Medicare|TRICARE|SNAP|SSI|SSDI|Suboxone|Narcan"
    r"|\S+@\S+|https?://\S+"
)


class InterfaceText(HTMLParser):
    """The text and read-aloud attributes outside elements marked with another language."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.parts: list[str] = []

    @property
    def skipping(self) -> bool:
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        skipped = tag in SKIPPED or (values.get("lang") not in (None, "es") and tag != "html")
        if not skipped and not self.skipping:
            self.parts += [values[name] or "" for name in READ_ALOUD if name in values]
            if tag == "input" and values.get("type") in ("submit", "button"):
                self.parts.append(values.get("value") or "")
        if tag not in VOID:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def english_words(html: str) -> list[str]:
    parser = InterfaceText()
    parser.feed(html)
    text = NAMES.sub(" ", " ".join(parser.parts))
    return sorted({m.group(0) for m in ENGLISH.finditer(text)})
