"""Telling the CDN in front of output/ which files are gone: a withdrawal or the sweep of old
versions removes files that a cache would otherwise keep serving (an MP3 for a year: it is
marked immutable).

``cdn_purge_url`` gets one POST per removal, JSON ``{"urls": [...], "keys": [...]}``: the public
URLs (public_base_url + path) and the paths under output/ (in a bucket: the object keys). A
CDN's purge API, or a small relay that speaks it, takes it from there. The request goes through
the fetch guards (a private or loopback host must be named in allowed_hosts), like webhooks.
A purge that fails is logged as an error, never raised: the files are gone already, and the
caches let go of them when their max-age runs out.
"""

from __future__ import annotations

import json
import logging

import httpx

from pipeline.config import Settings
from pipeline.models import FetchError
from pipeline.stages.fetch import check_url, guarded_transport
from pipeline.stages.publish.objects import Bucket, output_of

log = logging.getLogger("newsaudio.purge")


def purge_body(settings: Settings, removed: list[str]) -> dict[str, list[str]]:
    dest = output_of(settings)
    keys = [dest.key(rel) for rel in removed] if isinstance(dest, Bucket) else list(removed)
    base = settings.public_base_url.rstrip("/")
    return {"urls": [f"{base}/{rel}" for rel in removed], "keys": keys}


def removed(settings: Settings, paths: list[str]) -> bool:
    """Ask the CDN to purge ``paths`` (under output/). True when it was told (or nothing was
    to be told)."""
    url = settings.cdn_purge_url.strip()
    if not url or not paths:
        return True
    body = json.dumps(purge_body(settings, paths)).encode("utf-8")
    try:
        check_url(url, settings)
        with httpx.Client(timeout=settings.timeout_s, follow_redirects=False, trust_env=False,
                          transport=guarded_transport(settings, settings.timeout_s * 3)) as client:
            answer = client.post(url, content=body, headers={"content-type": "application/json"})
    except (FetchError, httpx.HTTPError) as exc:
        log.error("CDN purge of %d files failed: %s (cached copies stay until they expire)", len(paths), exc)
        return False
    if answer.status_code >= 300:
        log.error("CDN purge of %d files: %s answered %d (cached copies stay until they expire)",
                  len(paths), url, answer.status_code)
        return False
    log.info("CDN purge: %d files named to %s", len(paths), url)
    return True
