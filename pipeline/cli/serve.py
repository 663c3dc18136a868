"""`newsaudio serve`: the feeds, audio, transcripts, player, console and /healthz over HTTP."""

from __future__ import annotations

import argparse

from pipeline.cli.exits import EXIT_OK
from pipeline.cli.terminal import escape, out
from pipeline.config import Settings, auto_base_url
from pipeline.run.publishing import publish_feed
from pipeline.state.store import open_store
from web.serve import serve


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    host = args.host or settings.serve_host
    port = settings.serve_port if args.port is None else args.port
    moved = auto_base_url(settings, port) if port != settings.serve_port else None
    if moved:
        # public_base_url = "auto" names the port listeners reach: this one, not serve_port.
        # Every file that carries the address is written again before the first request.
        settings.public_base_url = moved
        store = open_store(settings)
        for feed in settings.feeds:
            publish_feed(feed.name, settings, store)
        out.print(escape(f"public_base_url is auto: the feeds now name {moved} (port {port}, not serve_port)"))
    feeds = f"{settings.public_base_url}/feeds/"
    out.print(escape(f"Serving {settings.output_dir} on http://{host}:{port}/ (feeds at {feeds})"))
    serve(settings, host, port, log_level="debug" if args.verbose else "info")
    return EXIT_OK
