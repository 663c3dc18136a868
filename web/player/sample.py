"""The bundled sample site under /sample/, each article page served with the player embedded
(so after ``make demo`` one page shows read-along in a browser)."""

from __future__ import annotations

import html
import json
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



class SampleSite:
    """One app's sample site (``page`` is the endpoint): pages from ``root``, each pointed at
    the episode the app's output folder holds for it."""

    def __init__(self, settings: Settings, root: Path = SAMPLE_SITE) -> None:
        self.settings = settings
        self.root = root.resolve()

    async def page(self, request: Request) -> Response:
        rel = request.path_params.get("path", "")
        if rel in ("", "index.html"):
            return HTMLResponse(_sample_index(self.root))
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return PlainTextResponse("not found\n", status_code=404)
        if path.suffix != ".html":
            return FileResponse(path)
        page = path.read_text(encoding="utf-8", errors="replace")
        prefix = request.scope.get("root_path", "")
        found = _episode_audio(self.settings, page)
        embedded = embed_player(
            page, script_src=f"{prefix}/player/{SCRIPT_NAME}", base=f"{prefix}/", audio_url=found[1] if found else "",
            style=SAMPLE_CSS.read_text(encoding="utf-8"),
        )
        return HTMLResponse(embedded, headers={"Cache-Control": "no-cache"})
