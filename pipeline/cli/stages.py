"""`newsaudio extract|normalize|say`: one stage with a command line around it (a page into its
cleaned article, German text into speakable segments, text into a mastered MP3)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.text import Text

from pipeline.cli.exits import EXIT_FAILED, EXIT_OK, UsageError
from pipeline.cli.terminal import emit_json, out, print_error, print_plain
from pipeline.config import Settings
from pipeline.files import atomic_write
from pipeline.models import StageError
from pipeline.run.article import extract_page, say
from pipeline.run.lexicon import current_lexicon
from pipeline.stages.charset import decode_html
from pipeline.stages.extract import render_text
from pipeline.stages.fetch import fetch
from pipeline.stages.speech import normalize

# -- extract ---------------------------------------------------------------------------------


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    sources: list[str] = []
    for src in args.sources:
        p = Path(src)
        if args.many and p.is_dir():
            sources.extend(str(f) for f in sorted(p.iterdir()) if f.suffix in (".html", ".htm"))
        else:
            sources.append(src)
    if len(sources) > 1 and not args.many:
        raise UsageError("several pages given: add --many to extract them all")
    failed = 0
    for i, src in enumerate(sources):
        try:
            html, fetched_url = _read_source(src, settings)
            article = extract_page(html, args.url or fetched_url, settings, allow_file=True)
        except UsageError:
            if not args.many:
                raise
            failed += 1
            print_error(f"{src}: no such file")
            continue
        except StageError as exc:
            failed += 1
            print_error(f"{src}: {exc}")
            readable = getattr(exc, "article", None)  # a refused page still shows what it holds
            if args.json and readable is not None and (readable.lead or readable.blocks):
                _print_extracted({"refused": str(exc), **readable.to_dict()}, src, args.many)
            continue
        if args.json:
            _print_extracted(article.to_dict(), src, args.many)
            continue
        # The article's text is printed as it is: never through markup.
        if args.many:
            print_plain(f"==> {src} <==")
        print_plain(render_text(article))
        if args.many and i < len(sources) - 1:
            print_plain("")
    return EXIT_FAILED if failed else EXIT_OK


def _read_source(source: str, settings: Settings) -> tuple[str, str]:
    """A page's HTML and the URL it came from ("" for a file)."""
    if source.startswith(("http://", "https://")):
        page = fetch(source, settings)
        return page.text, page.url
    path = Path(source)
    if not path.is_file():
        raise UsageError(f"{source}: no such file (give an HTML file or an http(s) URL)")
    return decode_html(path.read_bytes()), ""


def _print_extracted(data: dict[str, Any], src: str, many: bool) -> None:
    """One page's Article as JSON: a line naming its source with --many, else indented."""
    if many:
        emit_json({**data, "source": src})
    else:
        print_plain(json.dumps(data, ensure_ascii=False, indent=2))


# -- normalize -------------------------------------------------------------------------------


def cmd_normalize(args: argparse.Namespace, settings: Settings) -> int:
    text = sys.stdin.read()
    lexicon = current_lexicon(settings)
    for segment in normalize(text, lexicon=lexicon, max_chars=args.max_chars or settings.max_segment_chars):
        print_plain(segment)
    return EXIT_OK


# -- say -------------------------------------------------------------------------------------


def cmd_say(args: argparse.Namespace, settings: Settings) -> int:
    target = Path(args.output)
    if target.is_dir():
        raise UsageError(f"-o {args.output}: that is a folder; give a file name such as {target / 'say.mp3'}")
    if not target.parent.is_dir():
        raise UsageError(f"-o {args.output}: the folder {target.parent} does not exist; create it or choose another")
    try:
        mastered, voice = say(args.text, settings, args.voice)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    # A fallback voice was announced by the voice loader's warning, once.
    atomic_write(target, mastered.mp3)
    out.print(Text(
        f"{args.output}: {mastered.duration_s:.1f} s, {mastered.loudness_lufs:.1f} LUFS, voice {voice.identity}"
        + (" (fallback)" if voice.is_fallback else "")
    ))
    return EXIT_OK
