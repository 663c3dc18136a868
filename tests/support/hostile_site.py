"""A small German news site for the hostile and fault suites: pages and a feed the tests write."""

from __future__ import annotations

import os
import time
from html import escape
from pathlib import Path

SENTENCES = [
    "Der Stadtrat hat am Dienstag über den neuen Haushalt beraten.",
    "Die Sitzung dauerte mehrere Stunden, am Ende stimmte eine knappe Mehrheit für den Entwurf.",
    "Die Opposition kritisierte vor allem die geplanten Kürzungen bei den Bibliotheken.",
    "Der Kämmerer verteidigte den Plan als notwendig, weil die Stadt sonst neue Schulden aufnehmen müsse.",
    "Im kommenden Monat soll der Haushalt endgültig beschlossen werden.",
    "Bis dahin wollen die Fraktionen noch über einzelne Posten verhandeln.",
    "Auch die Vereine der Stadt meldeten sich in der Debatte zu Wort.",
    "Sie fürchten, dass Zuschüsse für Sporthallen und Jugendarbeit gestrichen werden.",
    "Die Verwaltung kündigte an, die Pläne noch einmal zu prüfen.",
    "Eine Entscheidung über die Schwimmbäder wurde auf den Herbst vertagt.",
]


def paragraph(i: int) -> str:
    """The i-th paragraph: distinct from every other (extractors drop repeated text)."""
    if i < len(SENTENCES) // 2:
        return f"{SENTENCES[2 * i]} {SENTENCES[2 * i + 1]}"
    return (f"Im Jahr {1000 + i} zählte die Chronik {i * 37 + 11} Besucher auf dem Markt. "
            f"Davon kamen {i % 97 + 3} aus dem Umland, die übrigen wohnten in der Stadt.")


def article_html(title: str, paragraphs: int = 3, *, raw_title: bool = False) -> str:
    """A German article page; ``raw_title`` puts the title in unescaped (for entity tricks)."""
    shown = title if raw_title else escape(title)
    body = "".join(f"<p>{paragraph(i)}</p>" for i in range(paragraphs))
    return (
        f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{shown}</title></head>'
        f"<body><article><h1>{shown}</h1>{body}</article></body></html>"
    )


def feed_xml(items: list[tuple[str, str, str]], title: str = "Hostile") -> str:
    """RSS with (guid, link, title) items, written as given (the caller escapes or not)."""
    parts = [
        f"<item><guid>{guid}</guid><link>{link}</link><title>{t}</title>"
        "<pubDate>Tue, 03 Jun 2025 10:00:00 GMT</pubDate></item>"
        for guid, link, t in items
    ]
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.org/</link><description>x</description>"
        + "".join(parts)
        + "</channel></rss>"
    )


def write_site(root: Path, pages: dict[str, str], feed: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, html in pages.items():
        (root / name).write_text(html, encoding="utf-8")
    (root / "feed.xml").write_text(feed, encoding="utf-8")
    return root


def change_feed(root: Path, feed: str | bytes) -> None:
    """Replace the site's feed. HTTP dates count whole seconds, so a feed changed within the
    second of the last poll is answered 304 by any server that has only Last-Modified: the
    new file is dated a few seconds later, as a real change a poll later would be."""
    path = root / "feed.xml"
    before = path.stat().st_mtime if path.exists() else time.time()
    if isinstance(feed, bytes):
        path.write_bytes(feed)
    else:
        path.write_text(feed, encoding="utf-8")
    later = max(before, time.time()) + 5
    os.utime(path, (later, later))
