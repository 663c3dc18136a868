"""Where each published file lives under output/ and its URL: episode files by version, feeds,
the cover, tombstones of withdrawn files, and the per-article player JSON, computed from a URL
or a GUID.

The publisher (Python) writes ``output/articles/...`` and the player (JavaScript, in
``web/static/player/newsaudio-player.js``) fetches the same path from the article page's
canonical URL, with no server of ours in between. Both sides must agree on every input, so both
run this same small algorithm on the URL *as written* (the string the page's
``<link rel=canonical href>`` holds and extraction records), never a parsed-and-normalised form:
a browser's URL parser and Python's ``urllib`` disagree on percent-encoding, IDN hosts, dot
segments and backslashes. ``tests/stages/test_article_paths.py`` runs both on tricky URLs in Chromium.

By URL: ``articles/<host>/<path>.json``
- the URL is stripped of surrounding whitespace, and tabs and newlines inside it are dropped;
  it must be ``scheme://authority...`` (anything else has no path: None);
- ``<host>``: the authority without ``user:pass@``, its port split off; ASCII letters
  lowercased; a port other than the scheme's default (http 80, https 443) appended as
  ``_<port>``; every character outside ``[A-Za-z0-9._~-]`` replaced by ``_``;
- ``<path>``: the URL's path (up to ``?`` or ``#``) with the leading ``/`` removed, ``index``
  appended when it is empty or ends with ``/``; every character outside ``[A-Za-z0-9._~/-]``
  replaced by ``_`` (one ``_`` per character, also for characters outside the BMP); cut to 200
  characters; then every ``.``, ``..`` or empty segment replaced by ``_`` (so no path can leave
  the folder, even after the cut);
- a host that is empty is no path (None); a host of ``.`` or ``..`` becomes ``_``.

By GUID: ``articles/guid/<guid>.json`` with every character outside ``[A-Za-z0-9._~-]``
replaced by ``_``, cut to 200 characters (None for an empty GUID).
"""

from __future__ import annotations

import re
import uuid

MAX_CHARS = 200
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://([^/?#]*)([^?#]*)")
_EDGE_SPACE = re.compile(r"^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$")
_HOST_BAD = re.compile(r"[^A-Za-z0-9._~\-]")
_PATH_BAD = re.compile(r"[^A-Za-z0-9._~/\-]")
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_ASCII_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _split_host(authority: str) -> tuple[str, str]:
    """(host, port) of an authority; port is "" when absent."""
    hostport = authority.rsplit("@", 1)[-1]
    if hostport.startswith("["):  # IPv6 literal: the port follows the closing bracket
        end = hostport.find("]")
        if end >= 0:
            rest = hostport[end + 1:]
            return hostport[: end + 1], rest[1:] if rest.startswith(":") else ""
        return hostport, ""
    head, sep, tail = hostport.rpartition(":")
    if sep and (tail == "" or tail.isascii() and tail.isdigit()):
        return head, tail
    return hostport, ""


def _fix_segments(path: str) -> str:
    return "/".join("_" if seg in ("", ".", "..") else seg for seg in path.split("/"))


def article_json_path(url: str) -> str | None:
    """``articles/<host>/<path>.json`` for a canonical URL, or None when it has no host."""
    match = _URL.match(re.sub(r"[\t\n\r]", "", _EDGE_SPACE.sub("", url)))
    if not match:
        return None
    scheme = match.group(1).translate(_ASCII_UPPER)
    host, port = _split_host(match.group(2))
    host = host.translate(_ASCII_UPPER)
    if not host:
        return None
    port = port.lstrip("0") or ("0" if port else "")
    if port and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}_{port}"
    host = _HOST_BAD.sub("_", host)
    if host in (".", ".."):
        host = "_"
    path = match.group(3).removeprefix("/")
    if path == "" or path.endswith("/"):
        path += "index"
    path = _fix_segments(_PATH_BAD.sub("_", path)[:MAX_CHARS])
    return f"articles/{host}/{path}.json"


def guid_json_path(guid: str) -> str | None:
    """``articles/guid/<guid>.json`` for an episode GUID, or None for an empty one."""
    if not guid:
        return None
    return f"articles/guid/{_HOST_BAD.sub('_', guid)[:MAX_CHARS]}.json"


COVER_NAME = "cover.png"


# Every feed of the newsroom in one OPML subscription list, beside the feeds (apps and
# directories import it to subscribe to all at once).
OPML_PATH = "feeds/index.opml"


# podcast:guid is a UUIDv5 of the feed URL in this namespace (Podcasting 2.0 spec).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


# Every file one episode version has in output/audio/, by suffix after its stem.
# ".opus": the low-bandwidth version (podcast:alternateEnclosure), when opus_kbps makes one.
EPISODE_SUFFIXES = (".mp3", ".txt", ".vtt", ".json", ".chapters.json", ".opus")


GONE_DIR = ".gone"


def audio_file_name(episode_id: str, version: int) -> str:
    return f"{episode_id}-v{version}.mp3"


def stem(audio_file: str) -> str:
    return audio_file.removesuffix(".mp3")


def transcript_file_name(audio_file: str) -> str:
    return stem(audio_file) + ".txt"


def vtt_file_name(audio_file: str) -> str:
    return stem(audio_file) + ".vtt"


def json_transcript_file_name(audio_file: str) -> str:
    return stem(audio_file) + ".json"


def chapters_file_name(audio_file: str) -> str:
    return stem(audio_file) + ".chapters.json"


def opus_file_name(audio_file: str) -> str:
    """The episode's low-bandwidth Opus version, beside its MP3: ``<episode>-v<version>.opus``."""
    return stem(audio_file) + ".opus"


def episode_files(audio_file: str) -> list[str]:
    """Paths under output/ of every file of one episode version."""
    return [f"audio/{stem(audio_file)}{suffix}" for suffix in EPISODE_SUFFIXES]


def podcast_guid(url: str) -> str:
    """podcast:guid: UUIDv5 of the feed URL without its scheme and trailing slashes."""
    bare = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", url.strip()).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def player_data_path(url: str) -> str | None:
    """Where an article's player data lives under output/, by its canonical URL (None when the
    URL has no host). The player computes the same path in JavaScript: see article_paths."""
    return article_json_path(url)


def player_data_guid_path(guid: str) -> str | None:
    return guid_json_path(guid)


def tombstone(relpath: str) -> str:
    """The tombstone of ``relpath`` (a path under output/): servers answer 410 Gone while it exists."""
    return f"{GONE_DIR}/{relpath}"


def _join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *parts])


def audio_url(public_base_url: str, file_name: str) -> str:
    return _join(public_base_url, "audio", file_name)


def feed_url(public_base_url: str, feed_name: str) -> str:
    return _join(public_base_url, "feeds", f"{feed_name}.xml")
