"""`newsaudio serve`: the feeds, audio, transcripts, player, console and /healthz over HTTP."""

from __future__ import annotations

import argparse

from pipeline.cli.exits import EXIT_OK
from pipeline.cli.terminal import escape, out
from pipeline.config import Settings
from web.serve import serve


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    host = args.host or settings.serve_host
    port = settings.serve_port if args.port is None else args.port
    feeds = f"{settings.public_base_url}/feeds/"
    out.print(escape(f"Serving {settings.output_dir} on http://{host}:{port}/ (feeds at {feeds})"))
    serve(settings, host, port, log_level="debug" if args.verbose else "info")
    return EXIT_OK
