"""Extraction quality on the fundus set (105 German pages with ground truth).

Run: .venv/bin/python benchmarks/bench_extract.py [--all]
Prints mean token F1, mean 4-word-shingle F1, leads kept, empty pages, ntv leaks and the
worst pages with what leaked or went missing; then the class corpus (cases.toml), per class,
beside trafilatura run with its defaults on the same HTML under the same pass check, and the
fundus pages that pass (token F1 >= FUNDUS_PASS) for both.
"""

from __future__ import annotations

import gzip
import re
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402
from lxml import html as lxml_html  # noqa: E402

from pipeline.models import NoArticleText  # noqa: E402
from pipeline.stages.extract import RefusedPage, extract  # noqa: E402
from pipeline.stages.extract.scoring import (  # noqa: E402
    FundusPage,
    article_body,
    ground_truth_body,
    load_fundus,
    shingle_overlap,
    stray_parts,
    token_overlap,
)

FUNDUS = ROOT / "tests" / "fixtures" / "fundus"
CLASSES = ROOT / "tests" / "fixtures" / "extract" / "classes"
TARGETS = {"token": 0.97, "shingle": 0.96, "leads": 0.95}
FUNDUS_PASS = 0.95  # token F1 at which a fundus page counts as read right (for us and trafilatura)

# Text a listener must never hear from ntv: credits, source line, widget labels.
NTV_LEAK = re.compile(
    r"\(Foto: |Quelle: |Diese Audioversion|Mehr zum Thema|Newsletter|Artikel anhören|"
    r"\b\d{2}:\d{2} / \d{2}:\d{2}\b|^\d{2}:\d{2}$|Bilder$",
    re.MULTILINE,
)


@dataclass
class Row:
    page: FundusPage
    token_f1: float = 0.0
    shingle_f1: float = 0.0
    lead_visible: bool = False
    lead_kept: bool = False
    error: str = ""
    extractor: str = ""
    leaked: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    ntv_leaks: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU time: the machine is shared, wall time is not ours alone
    title_ok: bool = False


def _squash(text: str) -> str:
    return re.sub(r"\W+", " ", text).casefold().strip()


def _lead_visible(page_html: str, lead: str) -> bool:
    # "Visible" = the ground-truth lead's opening words are in the page's visible text, not
    # only in a <meta> description.
    if not lead:
        return False
    tree = lxml_html.document_fromstring(page_html)
    for bad in tree.xpath("//script|//style|//noscript|//head"):
        bad.drop_tree()
    visible = _squash(tree.text_content())
    return _squash(lead)[:80] in visible


def _captions(page_html: str) -> list[str]:
    tree = lxml_html.document_fromstring(page_html)
    found = tree.xpath("//figcaption | //*[contains(@class, 'caption')]")
    return [c for c in (" ".join(e.text_content().split()) for e in found) if len(c) > 15]


def score(page: FundusPage) -> Row:
    row = Row(page)
    truth_body = ground_truth_body(page.truth)
    truth_lead = " ".join(page.truth.get("summary") or [])
    page_html = page.html.decode("utf-8", errors="replace")
    row.lead_visible = _lead_visible(page_html, truth_lead)
    start, cpu = time.perf_counter(), time.process_time()
    try:
        article = extract(page.html, page.url)
    except NoArticleText as err:
        row.error = str(err)
        row.seconds = time.perf_counter() - start
        row.cpu_seconds = time.process_time() - cpu
        return row
    row.seconds = time.perf_counter() - start
    row.cpu_seconds = time.process_time() - cpu
    row.extractor = article.extractor
    # The ground truth sometimes keeps the kicker in the title, sometimes not: either counts.
    want_title = _squash(page.truth.get("title") or "")
    row.title_ok = want_title in (_squash(article.title), _squash(article.spoken_title))
    blocks = [b.text for b in article.blocks]
    got = article_body(article.lead, blocks)
    row.token_f1 = token_overlap(got, truth_body).f1
    row.shingle_f1 = shingle_overlap(got, truth_body).f1
    if row.lead_visible:
        head = " ".join([article.lead, *blocks[:2]])
        row.lead_kept = token_overlap(head, truth_lead).recall >= 0.8
    row.leaked = stray_parts([p for p in (article.lead, *blocks) if p], truth_body)
    truth_parts = [*(page.truth.get("summary") or [])]
    for section in page.truth.get("sections") or []:
        truth_parts += [*(section.get("headline") or []), *(section.get("paragraphs") or [])]
    row.missed = stray_parts(truth_parts, got)
    if page.publisher == "NTV":
        heard = article.text()
        row.ntv_leaks = [m.group(0) for m in NTV_LEAK.finditer(heard)]
        row.ntv_leaks += [c[:50] for c in _captions(page_html) if c in heard]
    return row


@dataclass(frozen=True)
class ClassCase:
    """One page of the issue-11 corpus and what a listener must (not) hear on it."""

    cls: str
    page: str
    not_heard: tuple[str, ...] = ()
    heard: tuple[str, ...] = ()
    lead_has: tuple[str, ...] = ()
    headings: tuple[str, ...] = ()
    refused: str = ""
    readable_has: tuple[str, ...] = ()
    title_once: bool = False  # the headline is not heard again below the title
    min_paragraphs: int = 0  # paragraphs the body must come in (a pause between each)
    author: str = ""  # the author the page's byline must be recorded as (not spoken)

    def html(self) -> bytes:
        corpus, _, name = self.page.rpartition(":")
        if corpus:
            return gzip.decompress((ROOT / "tests" / "fixtures" / corpus / (name + ".html.gz")).read_bytes())
        return (CLASSES / self.page).read_bytes()


def class_cases() -> list[ClassCase]:
    data = tomllib.loads((CLASSES / "cases.toml").read_text(encoding="utf-8"))
    fields = ("not_heard", "heard", "lead_has", "headings", "readable_has")
    return [
        ClassCase(c["class"], c["page"], *(tuple(c.get(f, ())) for f in fields[:4]), c.get("refused", ""),
                  tuple(c.get("readable_has", ())), bool(c.get("not_heard_after_title", False)),
                  int(c.get("min_paragraphs", 0)), c.get("author", ""))
        for c in data["case"]
    ]


def check_case(case: ClassCase) -> list[str]:
    """What went wrong on this page ([] when the listener hears what they should)."""
    try:
        article = extract(case.html())
    except RefusedPage as err:
        if not case.refused:
            return [f"refused: {err}"]
        problems = [] if str(err).startswith(case.refused) else [f"reason {str(err)!r}"]
        readable = err.article.text()
        return problems + [f"readable part lacks {t!r}" for t in case.readable_has if t not in readable]
    if case.refused:
        return ["not refused"]
    heard = article.text()
    problems = [f"heard {t!r}" for t in case.not_heard if t in heard]
    problems += [f"missed {t!r}" for t in case.heard if t not in heard]
    problems += [f"lead lacks {t!r}" for t in case.lead_has if t not in article.lead]
    if case.author and article.author != case.author:
        problems.append(f"author {article.author!r}, want {case.author!r}")
    heads = {b.text for b in article.blocks if b.kind == "heading"}
    paragraphs = sum(b.kind == "paragraph" for b in article.blocks)
    if paragraphs < case.min_paragraphs:
        problems.append(f"{paragraphs} paragraphs, want at least {case.min_paragraphs}")
    if case.title_once and any(b.text == article.title for b in article.blocks):
        problems.append(f"headline read again: {article.title!r}")
    problems += [f"not a heading: {t!r}" for t in case.headings if t not in heads]
    return problems


def trafilatura_text(html: bytes) -> str:
    """What trafilatura with its defaults makes of the page: one paragraph or heading a line."""
    return trafilatura.extract(html) or ""


def check_case_trafilatura(case: ClassCase) -> list[str]:
    """``check_case`` for trafilatura's plain text: it has no lead field and no block kinds, so
    a lead's text only has to be heard, a heading has to be a line of its own, and a page the
    case wants refused passes when trafilatura returns nothing. Refusal reasons and the
    headline-read-again check have no counterpart and are left out."""
    text = trafilatura_text(case.html())
    if case.refused:
        return [] if not text else ["not refused"]
    if not text:
        return ["nothing extracted"]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    problems = [f"heard {t!r}" for t in case.not_heard if t in text]
    problems += [f"missed {t!r}" for t in (*case.heard, *case.lead_has) if t not in text]
    problems += [f"not a heading: {t!r}" for t in case.headings if t not in lines]
    if len(lines) < case.min_paragraphs:
        problems.append(f"{len(lines)} paragraphs, want at least {case.min_paragraphs}")
    return problems


def print_classes() -> None:
    cases = class_cases()
    passed, total, theirs = Counter(), Counter(), Counter()
    failures = []
    for case in cases:
        problems = check_case(case)
        total[case.cls] += 1
        passed[case.cls] += not problems
        theirs[case.cls] += not check_case_trafilatura(case)
        failures += [(case, p) for p in problems]
    print(f"\nclasses ({len(cases)} pages in tests/fixtures/extract/classes/cases.toml)   newsaudio   trafilatura")
    for cls in total:
        print(f"  {cls:24} {passed[cls]:3}/{total[cls]:<3}      {theirs[cls]:3}/{total[cls]}")
    print(f"  {'all classes':24} {sum(passed.values()):3}/{len(cases):<3}      "
          f"{sum(theirs.values()):3}/{len(cases)}")
    for case, problem in failures:
        print(f"    FAIL {case.cls} {case.page}: {_short(problem)}")


def print_fundus_versus_trafilatura(rows: list[Row]) -> None:
    ours = sum(not r.error and r.token_f1 >= FUNDUS_PASS for r in rows)
    tok = shi = 0.0
    theirs = 0
    for r in rows:
        truth = ground_truth_body(r.page.truth)
        got = trafilatura_text(r.page.html)
        f1 = token_overlap(got, truth).f1
        tok += f1
        shi += shingle_overlap(got, truth).f1
        theirs += f1 >= FUNDUS_PASS
    n = len(rows)
    print(f"\nfundus pages read right (token F1 >= {FUNDUS_PASS})   newsaudio {ours}/{n}   trafilatura {theirs}/{n}")
    print(f"  mean token F1      newsaudio {sum(r.token_f1 for r in rows) / n:.4f}   trafilatura {tok / n:.4f}")
    print(f"  mean 4-shingle F1  newsaudio {sum(r.shingle_f1 for r in rows) / n:.4f}   trafilatura {shi / n:.4f}")


def _cpu(page: FundusPage) -> float:
    start = time.process_time()
    try:
        extract(page.html, page.url)
    except NoArticleText:
        pass
    return time.process_time() - start


def _short(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def main(argv: list[str]) -> int:
    pages = load_fundus(FUNDUS)
    started = time.perf_counter()
    rows = [score(p) for p in pages]
    took = time.perf_counter() - started
    n = len(rows)
    tok = sum(r.token_f1 for r in rows) / n
    shi = sum(r.shingle_f1 for r in rows) / n
    visible = [r for r in rows if r.lead_visible]
    kept = sum(r.lead_kept for r in visible)
    empty = [r for r in rows if r.error]
    ntv = [r for r in rows if r.page.publisher == "NTV"]
    ntv_leaks = sum(len(r.ntv_leaks) for r in ntv)
    lead_rate = kept / len(visible) if visible else 1.0

    def mark(ok: bool) -> str:
        return "ok" if ok else "BELOW TARGET"

    # CPU time on a machine shared with other jobs jumps by tens of percent; the slowest pages
    # are measured again and judged by their best of three runs.
    worst = sorted(rows, key=lambda r: -r.cpu_seconds)[:3]
    again = {r.page.name: min(_cpu(r.page) for _ in range(3)) for r in worst}
    name, slowest = max(again.items(), key=lambda kv: kv[1])
    print(f"fundus pages            {n}   ({took:.1f} s, slowest {max(r.seconds for r in rows):.2f} s wall)")
    print(f"CPU per page            mean {sum(r.cpu_seconds for r in rows) / n:.3f} s, slowest {slowest:.3f} s "
          f"({name}, best of 3)   target ≤ 0.5 s  {mark(slowest <= 0.5)}")
    print(f"mean token F1           {tok:.4f}   target ≥ {TARGETS['token']}  {mark(tok >= TARGETS['token'])}")
    print(f"mean 4-shingle F1       {shi:.4f}   target ≥ {TARGETS['shingle']}  "
          f"{mark(shi >= TARGETS['shingle'])}")
    print(f"leads kept              {kept}/{len(visible)} = {lead_rate:.1%}   target ≥ 95%  "
          f"{mark(lead_rate >= TARGETS['leads'])}")
    titles = sum(r.title_ok for r in rows)
    print(f"titles as in truth      {titles}/{n} (headline, or kicker + headline; many pages have two headlines)")
    print(f"empty pages             {len(empty)}   target 0  {mark(not empty)}")
    print(f"ntv leaks               {ntv_leaks} on {len(ntv)} ntv pages   target 0  {mark(ntv_leaks == 0)}")
    for r in ntv:
        print(f"    {r.page.name:40} {r.extractor:22} F1 {r.token_f1:.3f}  leaks {r.ntv_leaks or '-'}")
    for r in empty:
        print(f"    EMPTY {r.page.name}: {r.error}")
    lost = [r for r in visible if not r.lead_kept]
    if lost:
        print("leads lost: " + ", ".join(r.page.name for r in lost))
    print_classes()
    print_fundus_versus_trafilatura(rows)
    count = n if "--all" in argv else 10
    print(f"\nworst {count} pages (token F1, shingle F1, extractor)")
    for r in sorted(rows, key=lambda r: r.token_f1)[:count]:
        print(f"  {r.token_f1:.3f} {r.shingle_f1:.3f}  {r.page.name}  [{r.extractor or r.error}]")
        for text in r.leaked[:3]:
            print(f"      leaked: {_short(text)}")
        for text in r.missed[:3]:
            print(f"      missed: {_short(text)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
