"""The extract stage: page HTML in, one Article (or NoArticleText with its reason) out.

Order, as issue 3 lays it down: a site rule when the domain has one, otherwise trafilatura;
then the boilerplate line filter; then a sanity check against JSON-LD articleBody and a
second extraction, recording any fallback in ``article.notes``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lxml import html as lxml_html

from pipeline.models import Article, Block, NoArticleText
from pipeline.stages.charset import decode_html

from .byline import drop_glued_byline
from .dom import (
    MERGED_WORDS,
    heading_texts,
    headings_before,
    headline_text,
    is_visible,
    lead_after_h1,
    lead_by_class,
    link_texts,
    prose_runs,
    squash,
    summary_items,
    visible_text,
)
from .fallback import sanity_check
from .generic import trafilatura_blocks
from .language import detect
from .lead import Candidate, drop_summary_blocks, fold_summary, settle_lead
from .lines import family_of, filter_blocks
from .meta import PageMeta, parse_tree, read_meta
from .nocode import drop_code_blocks, strip_code, without_code
from .prune import prune
from .rules import load_rules, rule_for
from .scoring import token_overlap
from .site import apply_rule
from .stubs import no_article_reason
from .titles import pick_title


class RefusedPage(NoArticleText):
    """The page holds no article a listener would want; ``article`` is what was readable on
    it (title, lead, blocks), for an editor to judge."""

    def __init__(self, message: str, article: Article) -> None:
        super().__init__(message)
        self.article = article


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def _decode(data: bytes) -> str:
    # Bytes that are valid UTF-8 and use multi-byte sequences are UTF-8 whatever the page's
    # <meta> claims (WinFuture says iso-8859-1 and sends UTF-8); latin-1 text almost never
    # forms valid UTF-8 by accident. Everything else goes through the shared charset rules.
    if not data.isascii():
        try:
            return data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            pass
    return decode_html(data)


def _as_text(html: str | bytes) -> str:
    text = _decode(html) if isinstance(html, bytes) else html
    # lxml refuses a str that still carries an XML encoding declaration, or NUL characters.
    return _XML_DECL.sub("", text, count=1).replace("\x00", "")


def extract(html: str | bytes, url: str = "", *, rules_dir: Path | None = None) -> Article:
    """What a listener should hear of the page ``html`` (fetched from ``url``).

    Raises NoArticleText with the reason when the page holds no article: empty, an index
    page, a paywall stub, or nothing but script.
    """
    text = _as_text(html)
    if not text.strip():
        raise NoArticleText("empty page: the HTML holds no text at all")
    tree = parse_tree(text)
    if tree is None:
        raise NoArticleText("the page could not be parsed as HTML")
    # No path may read a script's, a style sheet's or a template's text (see nocode.py): every
    # reading of the page, the site rule's and the second extraction's too, starts here. Only
    # the JSON-LD stays until the page's metadata is read from it.
    stripped = strip_code(tree, keep_json_ld=True)
    meta = read_meta(tree)
    if strip_code(tree) or stripped:
        text = lxml_html.tostring(tree, encoding="unicode")
    visible = visible_text(tree)
    notes: list[str] = []

    rule = rule_for([url, meta.canonical_url], load_rules(rules_dir))
    title = kicker = lead = ""
    blocks: list[Block] = []
    extractor = ""
    if rule is not None:
        site = apply_rule(text, rule)
        if site is not None:
            extractor = f"site:{rule.name}"
            notes.append(f"site rule {rule.name}, layout {site.layout}")
            title, kicker, lead, blocks = site.title, site.kicker, site.lead, site.blocks
        else:
            notes.append(f"site rule {rule.name} matched no layout; used the generic path")
    if not extractor:
        extractor = "trafilatura"
        pruned, removed = prune(tree)
        if removed:
            notes.append(f"removed {len(removed)} appeal, consent or author boxes")
        blocks = trafilatura_blocks(text, tree=pruned)

    if rule is None:
        blocks = mark_headings(blocks, heading_texts(tree))
        if any(len(b.text.split()) > MERGED_WORDS for b in blocks):
            blocks = split_merged(blocks, prose_runs(tree))
    drops = rule.drop_lines if rule is not None else ()
    filtered = filter_blocks(blocks, drops, link_texts(tree))
    if filtered.dropped:
        families = sorted({family for family, _ in filtered.dropped})
        notes.append(f"dropped {len(filtered.dropped)} boilerplate lines ({', '.join(families)})")
    blocks = filtered.blocks
    if rule is None:
        page_titles = squash(" ".join([meta.og_title, meta.title, meta.ld_headline, *meta.h1]))
        blocks = restore_headings(blocks, headings_before(tree), drops, page_titles)
    blocks, bylines = drop_author_lines(blocks, meta.author)
    blocks, bios = drop_bio_tail(blocks)
    bylines += bios
    if bylines:
        notes.append(f"dropped {bylines} author lines")

    if not title:
        title, kicker = _title_from_meta(meta, kicker)
    titles = [title, kicker, meta.og_title, meta.title, meta.ld_headline, *meta.h1]
    if rule is None and not meta.h1:
        first = next((b.text for b in blocks if b.kind == "paragraph"), "")
        titles.append(headline_text(tree, title, first))
    blocks = drop_title_echo(blocks, titles)
    # A summary box under the headline ("Darum geht's", bullet points) is part of the lead.
    summary = summary_items(tree) if rule is None and not lead else []
    summary_at = None
    if summary:
        blocks, summary_at = drop_summary_blocks(blocks, summary)
    body_before = list(blocks)
    if rule is None:
        candidates = lead_candidates(tree, meta, blocks, title, visible)
    else:
        # A site rule knows where the lead sits; without one there, only the page's declared
        # teaser may stand in (ntv shows some teasers only in og:description).
        candidates = declared_teasers(meta, visible) if rule.lead_from_meta else []
    lead, blocks, note = settle_lead(lead, blocks, candidates)
    if note:
        notes.append(note)
    if summary:
        lead, blocks = fold_summary(lead, blocks, summary, body_before, summary_at)
        notes.append(f"a summary box of {len(summary)} points read as part of the lead")

    blocks, fallback = sanity_check(text, meta, lead, blocks, drops)
    if fallback:
        extractor = fallback.extractor
        notes.append(fallback.note)
        # The second reading starts from scratch: it may repeat the headline or the lead.
        blocks = drop_title_echo(blocks, titles)
        lead, blocks, _ = settle_lead(lead, blocks, [])

    lead, blocks, byline = drop_glued_byline(lead, blocks)
    author = meta.author or byline
    if byline:
        notes.append(f"a byline glued to the first sentence recorded as the author: {byline}")

    # The guard at the exit: whatever path found them, blocks that look like code are not read.
    title, kicker, lead = without_code(title), without_code(kicker), without_code(lead)
    blocks, code_blocks = drop_code_blocks(blocks)
    if code_blocks:
        notes.append(f"dropped {code_blocks} blocks that look like code")

    reason = no_article_reason(tree, meta, lead, blocks, visible)
    if reason:
        # The readable part goes with the refusal, so an editor can judge the page.
        readable = Article(title=title, kicker=kicker, lead=lead, blocks=blocks, url=url,
                           canonical_url=meta.canonical_url, author=author, published=meta.published,
                           image=meta.image, language=meta.html_lang or "", site_name=meta.site_name,
                           extractor=extractor, notes=notes)
        raise RefusedPage(reason, readable)

    language, lang_note = detect(
        " ".join([lead, *(b.text for b in blocks)]), [meta.html_lang, meta.og_locale, meta.ld_language]
    )
    if lang_note:
        notes.append(lang_note)
    return Article(
        title=title,
        kicker=kicker,
        lead=lead,
        blocks=blocks,
        url=url,
        canonical_url=meta.canonical_url,
        author=author,
        published=meta.published,
        image=meta.image,
        language=language,
        site_name=meta.site_name,
        extractor=extractor,
        notes=notes,
    )


def _title_from_meta(meta: PageMeta, kicker: str) -> tuple[str, str]:
    title, meta_kicker = pick_title(meta)
    return title, kicker or meta_kicker


def _teasers(meta: PageMeta, visible: str) -> tuple[list[Candidate], list[Candidate]]:
    """The teasers the page declares: (those a reader can see, the others)."""
    declared = [
        Candidate(meta.og_description, "og:description"),
        Candidate(meta.ld_description, "JSON-LD description"),
        Candidate(meta.description, "meta description"),
    ]
    declared = [c for c in declared if c.text]
    seen = squash(visible)  # the whole page: squashed once per extraction
    shown = [is_visible(c.text, seen) for c in declared]
    return ([c for c, s in zip(declared, shown, strict=True) if s],
            [c for c, s in zip(declared, shown, strict=True) if not s])


def declared_teasers(meta: PageMeta, visible: str) -> list[Candidate]:
    """The teasers the page declares, those a reader can also see first."""
    found, hidden = _teasers(meta, visible)
    return found + hidden


def lead_candidates(
    tree: Any, meta: PageMeta, blocks: list[Block], title: str, visible: str
) -> list[Candidate]:
    """Lead candidates, best first: declared teasers a reader can see, then the page's own
    lead element, then whatever teaser the page declares (the issue's og:description rule)."""
    found, hidden = _teasers(meta, visible)
    declared = found + hidden
    body_start = next((b.text for b in blocks if b.kind == "paragraph"), "")
    dom = lead_by_class(tree) or lead_after_h1(tree, body_start, title)
    if dom:
        found.append(Candidate(dom, "the page's lead element"))
    return found + declared


def drop_title_echo(blocks: list[Block], titles: list[str]) -> list[Block]:
    """Drop opening blocks that only repeat the headline (extractors keep the <h1> area)."""
    heard = squash(" ".join(t for t in titles if t))
    # The headline itself (``titles`` starts with title and kicker) is an echo however long it
    # is: it is spoken, capped to max_title_chars, as the title; kept as a block it would become
    # the lead or a paragraph and a 10,000-character <h1> would be read out in full.
    title, kicker = (*titles, "", "")[:2]
    headline = {squash(title), squash(f"{kicker} {title}")} - {""}

    def echoes(block: Block) -> bool:
        own = squash(block.text)
        return bool(own) and (own in headline or len(block.text.split()) <= 25 and (
            own in heard or token_overlap(block.text, heard).precision >= 0.9))

    out = list(blocks)
    while out:
        if echoes(out[0]):
            out.pop(0)
            continue
        # A kicker or section label set above the repeated headline ("Finanzmärkte").
        if len(out) > 1 and out[0].kind == "heading" and len(out[0].text.split()) <= 3 and echoes(out[1]):
            out = out[2:]
            continue
        break
    return out


def mark_headings(blocks: list[Block], headings: set[str]) -> list[Block]:
    """Blocks the page sets as subheadings are headings (a pause and a chapter), whatever
    kind the generic extractor gave them."""
    out = []
    for block in blocks:
        if block.kind == "paragraph" and len(block.text.split()) <= 20 and squash(block.text) in headings:
            block = Block("heading", block.text)
        out.append(block)
    return out


def drop_author_lines(blocks: list[Block], author: str) -> tuple[list[Block], int]:
    """Blocks that are nothing but the declared author's name ("André Schmidt", "Von André
    Schmidt"): a byline or a photo credit, never article text."""
    names = {squash(n) for n in re.split(r",|\bund\b|&|/", author) if squash(n)} | {squash(author)}
    names.discard("")
    if not names:
        return blocks, 0
    variants = names | {f"von {n}" for n in names} | {f"text {n}" for n in names}
    kept = [b for b in blocks if not (len(b.text.split()) <= 8 and squash(b.text) in variants)]
    # The author box at the end: "Manuela Conrad ist ZDF-Reporterin für ..." under the text.
    bio = re.compile(r"^(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                     + r") (?:ist|war|arbeitet|schreibt|lebt|berichtet|leitet|volontierte)\b")
    tail = len(kept) - BIO_TAIL
    kept = [b for i, b in enumerate(kept)
            if not (i >= tail and len(b.text.split()) <= BIO_WORDS and bio.match(squash(b.text)))]
    return kept, len(blocks) - len(kept)


# An author box at the end, whatever the page declares as its author: a name, then what the
# person does at the paper ("Max Beispiel ist Redakteur im Lokalressort und schreibt seit 2010
# über ..."). A story about a journalist says where they work, not "im Ressort" or "seit 2010".
_JOURNALIST_BIO = re.compile(
    r"^[A-ZÄÖÜ][\w.'-]+(?: [A-ZÄÖÜ][\w.'-]+){1,3} (?:ist|war|arbeitet|schreibt)\b.{0,40}?"
    r"\b(?:redakteur|reporter|korrespondent|autor|journalist|volontär|ressortleiter|chefredakteur|kolumnist)"
    r"(?:in)?\b.{0,60}?(?:ressort|redaktion|\bseit \d{4}|\bfür (?:uns|diese zeitung|dieses? \w+))", re.IGNORECASE)


def drop_bio_tail(blocks: list[Block]) -> tuple[list[Block], int]:
    """The blocks without an author box among the last ones."""
    tail = len(blocks) - BIO_TAIL
    kept = [b for i, b in enumerate(blocks)
            if not (i >= tail and b.kind == "paragraph" and len(b.text.split()) <= BIO_WORDS
                    and _JOURNALIST_BIO.match(b.text))]
    return kept, len(blocks) - len(kept)


BIO_TAIL, BIO_WORDS = 3, 60  # an author box sits in the last blocks and runs a sentence or three


def restore_headings(blocks: list[Block], above: dict[str, list[str]], drops: Any = (),
                     page_titles: str = "") -> list[Block]:
    """Put back the subheadings the extractor dropped right above a paragraph it kept (a
    live ticker's entry titles), unless they are boilerplate or the page's headline."""
    have = {squash(b.text) for b in blocks}
    out: list[Block] = []
    for block in blocks:
        if block.kind == "paragraph":
            for head in above.get(squash(block.text)[:80], []):
                key = squash(head)
                if key in have or (page_titles and key in page_titles) or family_of(head, drops) is not None:
                    continue
                have.add(key)
                out.append(Block("heading", head))
        out.append(block)
    return out


def split_merged(blocks: list[Block], runs: list[list[str]]) -> list[Block]:
    """A block that is several of the page's paragraphs run together is read as those
    paragraphs, so the voice pauses between them. Text between them (a quote, a subheading
    the extractor merged in) stays, as a paragraph of its own."""
    out: list[Block] = []
    for block in blocks:
        pieces = None
        if block.kind == "paragraph" and len(block.text.split()) > MERGED_WORDS:
            pieces = next((p for p in (_cut(block.text, r) for r in runs) if p), None)
        out.extend(Block("paragraph", t) for t in pieces) if pieces else out.append(block)
    return out


def _cut(text: str, run: list[str]) -> list[str]:
    """``text`` cut at the run's paragraphs, if it holds every one of them in order."""
    pieces: list[str] = []
    at = 0
    for para in run:
        found = text.find(para, at)
        if found < 0:
            return []
        between = text[at:found].strip()
        if between:
            pieces.append(between)
        pieces.append(para)
        at = found + len(para)
    rest = text[at:].strip()
    return pieces + [rest] if rest else pieces
