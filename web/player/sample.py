"""The bundled sample site under /sample/, each article page served with the player embedded
(so after ``make demo`` one page shows read-along in a browser). Served only with
``serve_sample_pages``; every page is stripped of what it would load from outside (the copies
come from a news site, and /sample/ shares its origin with /console/)."""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path

from bs4 import BeautifulSoup
from lxml import etree
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from pipeline.config import Settings
from pipeline.run.sample_site import SAMPLE_SITE
from pipeline.stages.publish.names import article_json_path
from web.player.script import SCRIPT_NAME

SAMPLE_CSS = Path(__file__).resolve().parents[1] / "static" / "sample" / "demo.css"


def _episode_audio(settings: Settings, page: str) -> tuple[str, str] | None:
    """(canonical URL, audio URL) of a sample page's published episode, read from its
    per-article JSON, or None when it has none (yet)."""
    tree = etree.HTML(page.encode("utf-8"))
    if tree is None:
        return None
    canon = tree.xpath('//link[@rel="canonical"]/@href') or tree.xpath('//meta[@property="og:url"]/@content')
    if not canon:
        return None
    url = canon[0].strip()
    rel = article_json_path(url)
    try:
        data = json.loads((settings.output_dir / rel).read_text(encoding="utf-8")) if rel else None
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or url not in (data.get("canonical_url"), data.get("url")):
        return None
    return url, str(data.get("audio", {}).get("url", ""))


def embed_player(page: str, *, script_src: str, base: str, audio_url: str = "", style: str = "") -> str:
    """The page with the player's script in <head> and the element just before the article
    body (found by the site's extraction rule), read-along pointed at that body."""
    from pipeline.stages.extract.rules import load_rules, rule_for

    soup = BeautifulSoup(page, "lxml")
    canon = soup.find("link", rel="canonical")
    rule = rule_for([canon.get("href", "")] if canon else [], load_rules(None))
    body, selector = None, "article"
    for layout in rule.layouts if rule else ():
        body = soup.select_one(layout.container)
        if body is not None:
            selector = layout.container
            break
    player = soup.new_tag("newsaudio-player", attrs={"base": base, "article-selector": selector})
    fallback = soup.new_tag("audio", attrs={"controls": "", "preload": "none"})
    if audio_url:
        fallback["src"] = audio_url
    player.append(fallback)
    if body is not None:
        body.insert_before(player)
    elif soup.body is not None:
        soup.body.insert(0, player)
    script = soup.new_tag("script", attrs={"type": "module", "src": script_src})
    (soup.head or soup).append(script)
    if not soup.select_one('link[rel~="icon"]'):
        # The sample has no icon: say so, rather than leave a 404 in every visitor's console.
        (soup.head or soup).append(soup.new_tag("link", attrs={"rel": "icon", "href": "data:,"}))
    if style:
        sheet = soup.new_tag("style")
        sheet.string = style
        (soup.head or soup).append(sheet)
    return str(soup)


# What the demo pages may keep of the newsroom's page: links that load nothing. Everything that
# loads (scripts, styles, fonts, frames, pictures, trackers) came from the newsroom's servers and
# would run on our origin, the console's: out, in the copies and again as each page is served.
_INERT_RELS = {"canonical", "alternate", "author", "publisher", "next", "prev", "amphtml", "license", "shortlink"}
_DATA_SCRIPTS = {"application/ld+json", "application/json"}  # metadata the extraction reads; never run
_DROP_TAGS = ("iframe", "frame", "frameset", "embed", "object", "applet", "noscript", "video", "audio", "portal",
              "base")
_LOADING_ATTRS = ("src", "srcset", "data-src", "data-srcset", "data-lazy-src", "poster", "data", "background",
                  "href", "xlink:href", "action", "formaction", "ping", "imagesrcset")
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(?!data:|#)[^)]*?\1\s*\)", re.I)
_CSS_IMPORT = re.compile(r"@import[^;]*;", re.I)
PLACEHOLDER = "../placeholder.svg"  # sample/site/placeholder.svg, beside articles/: ours, neutral


def _local(url: str) -> bool:
    """A reference that loads nothing from elsewhere: a data: URI, a fragment, or our placeholder."""
    url = url.strip()
    return not url or url.startswith(("data:", "#")) or url == PLACEHOLDER


def strip_outside(page: str) -> str:
    """The page with every resource from outside removed: what a browser would load from the
    newsroom's (or a tracker's) servers, and the <base> that sends relative URLs there."""
    soup = BeautifulSoup(page, "lxml")
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for script in soup.find_all("script"):
        if script.get("src") or (script.get("type") or "").lower() not in _DATA_SCRIPTS:
            script.decompose()
    for link in soup.find_all("link"):
        rels = {r.lower() for r in (link.get("rel") or [])}
        if not rels or not rels <= _INERT_RELS:
            link.decompose()
    for meta in soup.find_all("meta", attrs={"http-equiv": True}):
        if meta["http-equiv"].lower() in ("refresh", "link"):
            meta.decompose()
    for source in soup.find_all("source"):
        source.decompose()
    for img in soup.find_all("img"):
        for name in ("srcset", "data-src", "data-srcset", "data-lazy-src", "sizes", "loading"):
            img.attrs.pop(name, None)
        img["src"] = PLACEHOLDER
        img["alt"] = img.get("alt", "")  # a decorative stand-in when the page gave no text
    for tag in soup.find_all(True):
        if tag.name in ("a", "area", "img"):
            continue  # a link loads nothing until followed; images have the placeholder
        for name in _LOADING_ATTRS:
            value = tag.attrs.get(name)
            if isinstance(value, str) and not (tag.name in ("link", "form") and name in ("href", "action")) \
                    and not _local(value):
                del tag.attrs[name]
        style = tag.attrs.get("style")
        if isinstance(style, str) and "url(" in style.lower():
            tag["style"] = _CSS_URL.sub("none", style)
    for sheet in soup.find_all("style"):
        text = sheet.string or ""
        sheet.string = _CSS_URL.sub("none", _CSS_IMPORT.sub("", text))
    for tag in soup.find_all(attrs={"srcset": True}):
        del tag["srcset"]
    return str(soup)


def _sample_index(root: Path) -> str:
    items = []
    feed = etree.parse(str(root / "feed.xml"))
    for item in feed.iter("item"):
        link, title = item.findtext("link") or "", item.findtext("title") or ""
        if (root / link).is_file():
            items.append(f'<li><a href="{html.escape(link)}">{html.escape(title)}</a></li>')
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>newsaudio: Beispielseite</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>'
        "<h1>Beispielseite mit newsaudio-Player</h1><ul>" + "".join(items) + "</ul></main></body></html>"
    )



@lru_cache(maxsize=16)
def _clean_page(path: str, mtime_ns: int) -> str:
    """A sample page stripped of outside resources (the bundled copies are stripped already;
    this keeps a page dropped into the folder later just as clean). Cached per file version:
    parsing half a megabyte of HTML on every request would be the page's whole cost."""
    return strip_outside(Path(path).read_text(encoding="utf-8", errors="replace"))


class SampleSite:
    """One app's sample site (``page`` is the endpoint): pages from ``root``, each pointed at
    the episode the app's output folder holds for it."""

    def __init__(self, settings: Settings, root: Path = SAMPLE_SITE) -> None:
        self.settings = settings
        self.root = root.resolve()

    async def page(self, request: Request) -> Response:
        if not getattr(self.settings, "serve_sample_pages", False):
            # A demo, not the newsroom's site: only where it is asked for (serve_sample_pages,
            # which the shipped demo config sets).
            return PlainTextResponse("not found\n", status_code=404)
        rel = request.path_params.get("path", "")
        if rel in ("", "index.html"):
            return HTMLResponse(_sample_index(self.root))
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return PlainTextResponse("not found\n", status_code=404)
        if path.suffix != ".html":
            return FileResponse(path)
        page = _clean_page(str(path), path.stat().st_mtime_ns)
        prefix = request.scope.get("root_path", "")
        found = _episode_audio(self.settings, page)
        embedded = embed_player(
            page, script_src=f"{prefix}/player/{SCRIPT_NAME}", base=f"{prefix}/", audio_url=found[1] if found else "",
            style=SAMPLE_CSS.read_text(encoding="utf-8"),
        )
        return HTMLResponse(embedded, headers={"Cache-Control": "no-cache"})
