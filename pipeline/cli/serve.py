"""`newsaudio serve`: the feeds, audio, transcripts, player, console and /healthz over HTTP."""

from __future__ import annotations

import argparse
import ipaddress

from pipeline.cli.exits import EXIT_OK
from pipeline.cli.terminal import escape, out
from pipeline.config import Settings, auto_base_url
from web.serve import serve


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    host = args.host or settings.serve_host
    port = settings.serve_port if args.port is None else args.port
    moved = auto_base_url(settings, port) if port != settings.serve_port else None
    if moved:
        # Imported here: publishing (and the store) are needed only when the address moved, and
        # the serving process should not carry them otherwise.
        from pipeline.run.publishing import publish_feed
        from pipeline.state.store import open_store

        # public_base_url = "auto" names the port listeners reach: this one, not serve_port.
        # Every file that carries the address is written again before the first request.
        settings.public_base_url = moved
        store = open_store(settings)
        for feed in settings.feeds:
            publish_feed(feed.name, settings, store)
        out.print(escape(f"public_base_url is auto: the feeds now name {moved} (port {port}, not serve_port)"))
    feeds = f"{settings.public_base_url}/feeds/"
    out.print(escape(f"Serving {settings.output_dir} on http://{host}:{port}/ (feeds at {feeds})"))
    for line in reachability(settings, host, port):
        out.print(escape(line))
    serve(settings, host, port, log_level="debug" if args.verbose else "info")
    return EXIT_OK


def reachability(settings: Settings, host: str, port: int) -> list[str]:
    """Which parts answer whom, said at start (web.app.Edge decides it per request)."""
    try:
        local_only = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        local_only = host == "localhost"
    where = "this machine only" if local_only else f"every network this machine is on ({host})"
    lines = [f"  files, feeds, player, /events, /sample/: {where}, port {port}"]
    console = (settings.console_base_url or f"http://127.0.0.1:{port}").rstrip("/") + "/console/"
    if settings.console_over_plain_http_unsafe and not local_only:
        lines.append(f"  console and API: anyone who reaches port {port}, also over plain http "
                     "(console_over_plain_http_unsafe = true: passwords and tokens cross the network readable)")
    else:
        proxies = ", ".join(settings.trusted_proxies) or "none"
        lines.append(f"  console and API: this machine, and https through trusted_proxies ({proxies}); "
                     f"others get 403. Console: {console}")
    return lines
