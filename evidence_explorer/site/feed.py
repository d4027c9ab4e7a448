"""``/changes/feed.xml``: the changes of ``/changes/`` as an Atom feed (RFC 4287), one entry per
commit, newest first, made with ElementTree (which escapes every value).

Deterministic: every date is a commit's author date, never the clock. Identifiers are permanent
(RFC 4287 §4.2.6): an entry's ``id`` is a name-based UUID of its commit (``urn:uuid:``, the same
wherever the site is hosted); the feed's is its own URL when ``base_url`` in site.yaml is an absolute
``https://…`` URL, otherwise a name-based UUID of the site's title. Links (``atom:link``, and those
in each entry's HTML) are absolute when ``base_url`` is; otherwise they are path-absolute
(``/changes/#day-…``), which RFC 4287 §4.2.7 allows (an IRI reference), resolved by feed readers
against the address the feed was fetched from (RFC 3986 §5.1.3): no ``xml:base`` is needed.
"""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections import Counter

from markupsafe import Markup, escape

from ..content import urls
from ..content.changelog import Commit
from ..content.link import Corpus
from .render import title_of
from .views.change_words import KIND_WORDS, NUMBERS
from .views.changes import FEED_URL, ChangeRow, change_rows, day_label, paged_rows

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 50
"""Newest commits in the feed (feed readers keep what they have seen)."""
MAX_LINES = 100
"""Changes listed in one entry; more are counted."""


def atom_feed(corpus: Corpus, base_url: str) -> str | None:
    """The feed's XML text, or None when there is no history to follow."""
    history = corpus.history
    if history is None or not history.commits:
        return None

    def href(url: str) -> str:
        return urls.href(base_url, url)
    where = {row.day: pager.url for chunk, pager in paged_rows(corpus, history) for row in chunk if row.first}
    rows = change_rows(corpus, history)
    by_commit: dict[str, list[ChangeRow]] = {}
    k = 0
    for commit in history.commits:  # change_rows lists every commit's changes in order
        by_commit[commit.sha] = rows[k:k + len(commit.changes)]
        k += len(commit.changes)
    commits = history.commits[:MAX_ENTRIES]
    absolute = "://" in base_url
    feed = ET.Element("feed", xmlns=ATOM)
    ET.SubElement(feed, "id").text = href(FEED_URL) if absolute else _urn(f"evidence-explorer feed:{corpus.config.title}")
    ET.SubElement(feed, "title").text = f"Changes to {corpus.config.title}"
    ET.SubElement(feed, "updated").text = max(c.date for c in commits)
    ET.SubElement(feed, "link", rel="self", type="application/atom+xml", href=href(FEED_URL))
    ET.SubElement(feed, "link", rel="alternate", type="text/html", href=href("changes/"))
    ET.SubElement(feed, "generator").text = "Evidence Explorer"
    for commit in commits:
        _entry(feed, commit, by_commit[commit.sha], href, where)
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _entry(feed: ET.Element, commit: Commit, rows: list[ChangeRow], href, where: dict[str, str]) -> None:
    day = commit.date[:10]
    entry = ET.SubElement(feed, "entry")
    ET.SubElement(entry, "id").text = _urn(f"evidence-explorer commit:{commit.sha}")
    ET.SubElement(entry, "title").text = f"{day_label(day)}: {summary(rows)}"
    ET.SubElement(entry, "updated").text = commit.date
    ET.SubElement(ET.SubElement(entry, "author"), "name").text = commit.author or "Unknown"
    page = where.get(day, "changes/")
    ET.SubElement(entry, "link", rel="alternate", type="text/html", href=href(page) + f"#day-{day}")
    ET.SubElement(entry, "content", type="html").text = str(_html(rows, href))


def summary(rows: list[ChangeRow]) -> str:
    """``one paper added, two CMOCs changed`` (counts by action and kind)."""
    counts = Counter((r.change.action, r.change.kind) for r in rows)
    parts = []
    for (action, kind), n in counts.items():
        word = KIND_WORDS.get(kind, kind)
        plural = word if n == 1 else word[:-1] + "ies" if word.endswith("y") else word + "s"
        parts.append(f"{NUMBERS[n] if n < len(NUMBERS) else n} {plural} {action}")
    return ", ".join(parts)


def _html(rows: list[ChangeRow], href) -> Markup:
    items = []
    for row in rows[:MAX_LINES]:
        name = escape(row.name if row.entity is None else _title(row))
        if row.entity is not None:
            name = Markup('<a href="{}">{}</a>').format(href(row.entity.page_url), name)
        words = "; ".join(row.words) if row.change.action == "changed" else row.words[0]
        items.append(Markup("<li>{} {}: {}</li>").format(row.kind.capitalize() if row.kind.islower() else row.kind,
                                                         name, words))
    more = len(rows) - MAX_LINES
    tail = Markup("<p>and {} more</p>").format(more) if more > 0 else Markup("")
    return Markup("<ul>{}</ul>{}").format(Markup("").join(items), tail)


def _title(row: ChangeRow) -> str:
    return title_of(row.entity)
