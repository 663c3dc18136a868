"""Settings in one place: ``newsaudio.toml`` plus ``NEWSAUDIO_*`` environment overrides.

Lookup order for the file: an explicit path, then ``$NEWSAUDIO_CONFIG``, then ``./newsaudio.toml``.
Every scalar setting can be overridden by the environment: ``NEWSAUDIO_<NAME>`` for top-level
settings (``NEWSAUDIO_DATABASE_URL``), ``NEWSAUDIO_CHANNEL_<NAME>`` for the podcast channel.
Relative paths are taken relative to the config file's folder.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, get_args, get_type_hints

ENV_PREFIX = "NEWSAUDIO_"
# How log lines (and the command's progress lines outside a terminal) are written: ``text`` for
# people, ``json`` (one object a line) for log collectors. Set by --log-format or
# NEWSAUDIO_LOG_FORMAT; it is read before the config file, so errors in the file are formatted too.
LOG_FORMATS = ("text", "json")


class ConfigError(Exception):
    pass


@dataclass
class FeedConfig:
    """One polled news feed, published as its own podcast. The channel fields below override
    ``[channel]`` for this podcast; unset ones (empty, or None for yes/no) inherit from it."""

    name: str
    url: str
    title: str = ""
    description: str = ""
    link: str = ""
    author: str = ""
    image: str = ""
    category: str = ""
    language: str = ""
    owner_name: str = ""
    owner_email: str = ""
    copyright: str = ""
    locked: bool | None = None
    episode_images: bool | None = None
    ai_disclosure: str = ""
    omit_ai_disclosure_i_accept_the_legal_risk: bool | None = None
    # Podcasting 2.0: see Channel.txt_verify (a token is per podcast, so a feed may set its own).
    txt_verify: str = ""


@dataclass
class Channel:
    """Podcast channel metadata, as podcast apps show it."""

    title: str = "newsaudio"
    description: str = "Nachrichten zum Hören"
    link: str = "http://localhost:8000/"
    author: str = "newsaudio"
    image: str = ""
    category: str = "News"
    language: str = "de"
    # itunes:owner (directories mail the owner to verify a feed); the name defaults to author.
    owner_name: str = ""
    owner_email: str = ""
    copyright: str = ""
    # podcast:locked: "yes" tells other platforms not to import the feed without the owner.
    locked: bool = False
    # The article's own image as episode art. Off by default: news photos are agency pictures
    # licensed for the site and mostly 16:9, while directories want square art.
    episode_images: bool = False
    # Synthetic speech, disclosed (EU AI Act Art. 50; Apple Podcasts wants it in the audio and
    # in the metadata). This sentence is spoken in every episode (where: ai_disclosure_position)
    # and leads the synthetic-voice note in descriptions, ID3 tags and transcripts; a feed may
    # word it its own way. An empty value means the default sentence, never silence.
    ai_disclosure: str = "Dieser Beitrag wird von einer künstlichen Stimme vorgelesen."
    # Leaves the spoken sentence out of this channel's / feed's episodes (the metadata still
    # says the voice is synthetic). Named so that nobody sets it without knowing what it risks.
    omit_ai_disclosure_i_accept_the_legal_risk: bool = False
    # Podcasting 2.0 <podcast:txt purpose="verify">: a directory or host that checks ownership
    # (instead of, or besides, mailing itunes:owner) asks for a token in the feed; put it here
    # for as long as it checks. Empty: no tag.
    txt_verify: str = ""


def channel_for(channel: Channel, feed: FeedConfig | None) -> Channel:
    """The channel a feed publishes: its own fields where set, else ``[channel]``'s."""
    if feed is None:
        return channel
    values = {}
    for f in dataclasses.fields(Channel):
        own = getattr(feed, f.name, None)
        if own is not None and own != "":
            values[f.name] = own
    return dataclasses.replace(channel, **values)


@dataclass
class Settings:
    feeds: list[FeedConfig] = field(default_factory=list)
    channel: Channel = field(default_factory=Channel)
    # Where podcast apps and the website reach output/: enclosure URLs are built from it.
    # "auto": this machine's LAN address and serve_port, which `newsaudio serve` answers on (the demo).
    public_base_url: str = "http://localhost:8000"
    output_dir: Path = Path("output")
    # Object storage instead of output_dir: "s3://bucket/prefix" on any S3-compatible store
    # (AWS, MinIO, SeaweedFS, R2...), which a CDN then serves at public_base_url. Each object
    # carries the Content-Type and Cache-Control `newsaudio serve` sends. "" = output_dir.
    output_url: str = ""
    # Where the parts of a split article wait for the render: "s3://bucket/prefix" lets synth
    # workers that share no folder split an article. "" = cache_dir/parts.
    parts_url: str = ""
    # The S3 client: endpoint of a store that is not AWS, region, keys. Each "" = boto3's own
    # default (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID... and ~/.aws).
    s3_endpoint_url: str = ""
    s3_region: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = field(default="", repr=False)  # never in a logged repr of the settings
    # When objects are deleted (a withdrawal, old versions swept), this URL gets a POST with
    # {"urls": [...], "keys": [...]} as JSON, for the CDN to purge them (a CDN's purge API or a
    # relay to it). Sent through the fetch guards: a private host must be in allowed_hosts. "" = none.
    cdn_purge_url: str = ""
    data_dir: Path = Path("data")
    # Empty means a SQLite file in data_dir.
    database_url: str = ""
    broker_url: str = "redis://127.0.0.1:6379/0"
    poll_minutes: float = 15.0
    # A known article is fetched again (conditionally: an unchanged page costs one 304) when its
    # feed entry changes, and at these ages after it was first seen; then never. "" = never.
    revisit_after: str = "10m 30m 2h 6h 24h"
    # fetch
    timeout_s: float = 20.0
    max_response_bytes: int = 5_000_000
    user_agent: str = "newsaudio/0.1 (+https://github.com/newsaudio)"
    # Loopback and private addresses are refused unless allowed: a feed must not make the
    # worker fetch from inside the newsroom's network.
    allow_private_addresses: bool = False
    # Hosts allowed although private or loopback, each "host" or "host:port" (the demo names
    # its own loopback server here instead of opening every private range).
    allowed_hosts: list[str] = field(default_factory=list)
    allow_local_files: bool = False
    # With allow_local_files: the folder local files must lie in (default: each file: feed's folder).
    local_files_dir: Path | None = None
    # Wall-clock bound on one request, redirects included (timeout_s bounds each network wait).
    fetch_deadline_s: float = 60.0
    # Content-Encoding layers decoded at most; the size cap counts bytes after every layer.
    max_content_encodings: int = 2
    # Entrance limits for text from outside: longer titles are cut and marked with "…"; a
    # longer article is not voiced (recorded as skipped, reason too-long).
    max_title_chars: int = 300
    max_guid_chars: int = 1000
    max_article_chars: int = 40_000
    # extract
    site_rules: Path | None = None
    skip_non_german: bool = True
    # speech
    lexicon: Path | None = None
    max_segment_chars: int = 300
    # Names and phrases in another language ("Institute for the Study of War", "Jokić") are
    # spoken in it by every voice that phonemises with espeak-ng (pipeline/stages/speech/foreign.py).
    foreign_spans: bool = True
    # voices
    voice: str = "default"
    # "onnx": a Coqui VITS voice with its ONNX export (made by `voices fetch`) runs on
    # onnxruntime, 2.5x faster than torch on CPU; "torch": always Coqui/torch.
    voice_runtime: str = "onnx"
    voices_dir: Path | None = None
    # Sentence cache (voices/cache.py): compact lossless entries, ~1.5 MB per audio minute for
    # espeak, ~3.5 for a neural voice. Entries unused for cache_keep_days are dropped; within
    # that, cache_max_mb is the cap (least recently used out first). An edit re-speaks only its
    # changed sentences if the article was rendered within cache_keep_days AND the cap holds
    # that many days: at 1,000 four-minute articles a day a week needs ~42,000 MB (espeak) or
    # ~99,000 MB (neural); the 2000 default holds 8 h (espeak) or 3.5 h (neural) of such a
    # newsroom, a week of 20 articles a day. A worker warns when the cap evicts younger entries.
    cache_dir: Path | None = None
    cache_max_mb: int = 2000
    cache_keep_days: float = 7.0
    # With Celery, an article longer than this many segments is cut into parts between
    # paragraphs, each spoken and mastered by its own synth task in parallel, and one task joins
    # their MP3s. 0 = never. Needs cache_dir on storage every synth worker shares (the parts
    # wait there, beside the sentence cache), like output_dir.
    segments_per_task: int = 20
    # ...but only when the voice's measured real-time factor (synthesis seconds per second of
    # speech) is at least this: below it a whole article takes seconds and the queue's round
    # trips eat the gain (espeak measures ~0.003, neural VITS on one CPU core 0.2-1).
    # 0 = split by length alone.
    split_min_rtf: float = 0.1
    # Celery time limits (soft, in seconds; the hard limit is this plus task_grace_s): I/O tasks
    # (poll, fetch+extract, publish) and synth tasks (speech, synthesis, mastering).
    io_task_limit_s: float = 180.0
    synth_task_limit_s: float = 1800.0
    task_grace_s: float = 60.0
    # A worker process whose peak resident memory passed this after a task is replaced by a
    # fresh one (Celery's worker_max_memory_per_child; 0 = never). The house voice on ONNX keeps
    # well under it (benchmarks/bench_memory.py); this catches whatever else grows.
    synth_max_memory_mb: int = 600
    # How often the reconciler (beat) runs: it re-queues abandoned and stuck articles and
    # publishes feeds whose newest episode is not in the feed file yet. A dead worker's article
    # is rendered again within lease_timeout_s plus this (plus the render itself).
    reconcile_s: float = 60.0
    # The render lease is the liveness signal: a render holds its article's lease this long,
    # renewed every third of it while it runs, so a dead worker's lease lapses at most this long
    # after its last renewal. A prepared article without a live lease, quiet this long and with
    # no message waiting for it, counts as abandoned and is re-queued by the reconciler (long
    # before Redis's visibility timeout hands the dead worker's message to another worker).
    lease_timeout_s: float = 120.0
    # Redis hands an unacknowledged task to another worker after this long (a worker that
    # died). 0 = twice the synth hard limit plus a minute: a task may wait that long reserved.
    visibility_timeout_s: float = 0.0
    # Retries (with exponential backoff, at most task_backoff_max_s apart) when the store or
    # the broker is unreachable.
    task_retries: int = 30
    task_backoff_max_s: float = 60.0
    # The reconciler re-queues an article left in new (its fetch lost) after this long; also a
    # prepared one never leased when the queues cannot be read (else lease_timeout_s decides).
    stuck_after_s: float = 2400.0
    # Temp files (".*.tmp") older than this are swept from output/ when a worker or run starts.
    stale_tmp_s: float = 3600.0
    # audio
    target_lufs: float = -16.0
    true_peak_dbtp: float = -1.0
    bitrate_kbps: int = 96
    # LAME's -q (0 best .. 9 fastest): 7 measured as fast as 9 with the same loudness, peak and
    # SNR within a fraction of a dB of 2 for speech (`make bench-scale` prints the table).
    mp3_quality: int = 7
    # A low-bandwidth Opus version of every episode (kbit/s, mono; 0 = none): made from the
    # finished MP3 in the same render, listed in the feed as podcast:alternateEnclosure.
    opus_kbps: int = 20
    sample_rate: int = 44100
    pause_title_ms: int = 900
    pause_paragraph_ms: int = 700
    pause_sentence_ms: int = 250
    # web (`newsaudio serve`): all interfaces by default, so phones on the same network can listen.
    serve_host: str = "0.0.0.0"
    serve_port: int = 8000
    # Origins allowed to read transcripts, chapters, player indexes and article data from a page:
    # "*" or a list separated by commas.
    cors_origins: str = "*"
    # `newsaudio serve` counts podcast downloads of the episode audio it sends itself (as
    # `newsaudio stats ingest` counts them from nginx's log). Where nginx serves output/, the
    # app never sends audio, so each download is counted in one place either way.
    count_downloads: bool = True
    # publish: a feed lists the newest max_items episodes (older ones stay downloadable).
    max_items: int = 300
    # A published article whose page answers 404/410 on two refreshes in a row is withdrawn.
    auto_withdraw_gone: bool = True
    # A regenerated episode's old files stay this long (apps with the old feed still download).
    old_versions_grace_days: float = 7.0
    # The feed follows the work: each finished article is published as it finishes, at most
    # once in this many seconds per feed under a burst (the last of a burst is published too).
    feed_publish_interval_s: float = 5.0
    # Polite polling: a poll fetches at most this many new articles (newest first) and leaves the
    # rest for later polls; a Retry-After (429/503) up to retry_after_max_s is waited out in the
    # same run, a longer one defers the article without counting a failed attempt.
    max_new_entries_per_poll: int = 100
    retry_after_max_s: float = 30.0
    # An article that failed all its attempts (a page gone, a site down for days) is tried
    # again this long after its last failure, instead of never.
    failed_retry_after_s: float = 86400.0
    # -- synthetic audio: disclosure and provenance (C2PA) ---------------------------------
    # Where the spoken disclosure ([channel] ai_disclosure) sits: "after_title" (heard first,
    # the default) or "end". It is its own segment outside the article's paragraphs, so
    # chapters and read-along are not moved by it. Changing it (or the wording) re-voices.
    ai_disclosure_position: str = "after_title"
    # Every published MP3 carries a signed C2PA manifest (pipeline/stages/provenance.py). The
    # newsroom's signing certificate chain (PEM: signer first, then intermediates; ES256/384,
    # PS256 or Ed25519 key) and its private key (PEM, unencrypted). Without both, a local test
    # CA and signer are made once under data_dir/c2pa/ and used with a loud warning: verifiers
    # report that signer as untrusted.
    c2pa_signing_cert: Path | None = None
    c2pa_signing_key: Path | None = None
    # An RFC 3161 time-stamp authority for the signatures ("" = none: the manifest is then
    # only valid while the signing certificate is).
    c2pa_timestamp_url: str = ""
    # CA certificates (one PEM bundle) whose signers `newsaudio verify` reports as trusted.
    # The local test CA is trusted only when it is listed here.
    c2pa_trust_anchors: Path | None = None
    # console and API (web/console, web/api)
    # Where editors reach the console (setup links); empty = public_base_url.
    console_base_url: str = ""
    # The console's language until an editor picks one in its header: "de" or "en".
    console_language: str = "de"
    # "embedded": console/API jobs run in a small pool inside the web process;
    # "celery": they are tasks on the workers' queues through broker_url.
    jobs_backend: str = "embedded"
    console_workers: int = 2
    session_hours: float = 12.0
    login_attempts_per_minute: int = 5
    # A lexicon save that re-voices more published articles than this asks the editor to confirm
    # (with the count and the list) first: an entry for a common word re-voices everything.
    lexicon_confirm_over: int = 20
    # The bundled demo pages under /sample/ (with the player embedded). Off in production: they
    # are a demo, not the newsroom's site; the shipped demo config (newsaudio.toml) turns it on.
    serve_sample_pages: bool = False
    webhook_max_attempts: int = 6
    webhook_timeout_s: float = 5.0
    # -- web: who may reach what, and limits before work (web/app.py, web/serve.py) ---------
    # The output files, /events and the player answer everyone. The console and the API answer
    # clients on this machine, and requests that came over https (directly, or through a proxy
    # below that says so); everyone else gets 403, since passwords, session cookies and API
    # tokens would cross the network readable.
    # Proxies (addresses or CIDRs) whose X-Forwarded-For (the client) and X-Forwarded-Proto
    # (https) are believed; anyone else's are ignored. Loopback: a proxy on this machine (the
    # shipped deploy/nginx.conf) is the operator's own; add the address of a proxy elsewhere.
    trusted_proxies: list[str] = field(default_factory=lambda: ["127.0.0.1", "::1"])
    # true: the console and the API answer over plain http from anywhere (a lab network).
    console_over_plain_http_unsafe: bool = False
    # Request bodies larger than this are answered 413 before they are read, and before any
    # login or token is looked at: API JSON, the API's lexicon routes, everything else (forms).
    max_api_body_bytes: int = 1_000_000
    max_lexicon_body_bytes: int = 2_000_000
    max_form_body_bytes: int = 65_536
    # A connection must send its request head within serve_header_timeout_s of opening (or of
    # the previous answer), a body may pause at most serve_body_timeout_s between two reads,
    # an idle keep-alive connection is closed after serve_keep_alive_s; a head over
    # serve_max_header_bytes is 400. Past serve_max_connections open connections and requests
    # at once, new requests get 503. deploy/nginx.conf is rendered with the same values.
    serve_header_timeout_s: float = 10.0
    serve_body_timeout_s: float = 30.0
    serve_keep_alive_s: int = 5
    serve_max_header_bytes: int = 16_384
    serve_max_connections: int = 500
    # /events per listener (a salted hash of address and user agent, kept in memory only): one
    # play (load, progress mark, completion) per episode per events_play_interval_s, and at most
    # events_per_client_per_minute events of any kind. The rest are answered 204, not counted.
    events_play_interval_s: float = 1800.0
    events_per_client_per_minute: int = 60
    # Apps learn of a new episode at once: when a feed's bytes change, each WebSub hub here is
    # told (hub.mode=publish) and the feed names them (<atom:link rel="hub">); with a podping
    # token, Podping (what Podcast Index apps listen to) is told too (reason=update). Both are
    # retried with backoff (webhook_max_attempts) and never hold up publishing.
    websub_hubs: list[str] = field(default_factory=list)
    podping_url: str = "https://podping.cloud/"
    podping_token: str = ""

    root: Path = Path(".")

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'newsaudio.db').resolve()}"

    @property
    def lease_s(self) -> float:
        """How long a render lease lasts unrenewed: lease_timeout_s, one setting for both (the
        lease lapsing is what makes an article count as abandoned)."""
        return self.lease_timeout_s

    @property
    def visibility_timeout(self) -> float:
        if self.visibility_timeout_s > 0:
            return self.visibility_timeout_s
        return 2 * (self.synth_task_limit_s + self.task_grace_s) + 60

    @property
    def audio_dir(self) -> Path:
        return self.output_dir / "audio"

    @property
    def feeds_dir(self) -> Path:
        return self.output_dir / "feeds"

    def feed(self, name: str) -> FeedConfig:
        for f in self.feeds:
            if f.name == name:
                return f
        known = ", ".join(f.name for f in self.feeds) or "none"
        raise ConfigError(f"no feed named {name!r} in the config (known: {known})")


@cache
def _path_fields(cls: type) -> frozenset[str]:
    """The settings declared as paths (``Path`` or ``Path | None``), from the annotations."""
    return frozenset(name for name, hint in get_type_hints(cls).items() if Path in (hint, *get_args(hint)))


def _coerce(obj: Any, value: Any, target: Any, name: str) -> Any:
    """Turn a TOML or environment value into the declared type of the setting."""
    kind = type(target)
    try:
        if isinstance(target, bool):
            if isinstance(value, str):
                low = value.strip().lower()
                if low in {"1", "true", "yes", "on"}:
                    return True
                if low in {"0", "false", "no", "off", ""}:
                    return False
                raise ValueError(value)
            return bool(value)
        if name in _path_fields(type(obj)):
            return Path(value) if value not in ("", None) else None
        if target is None:
            return value
        if isinstance(target, list):
            # TOML gives a list; the environment a comma-separated string.
            items = value.split(",") if isinstance(value, str) else list(value)
            return [str(i).strip() for i in items if str(i).strip()]
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name!r}: cannot read {value!r} as {kind.__name__}") from exc


def _apply(obj: Any, values: dict[str, Any], where: str) -> None:
    names = {f.name: f for f in dataclasses.fields(obj)}
    for key, value in values.items():
        if key not in names:
            raise ConfigError(f"{where}: unknown setting {key!r} (known: {', '.join(sorted(names))})")
        setattr(obj, key, _coerce(obj, value, getattr(obj, key), key))


def log_format(env: dict[str, str] | None = None) -> str:
    """The log format from ``NEWSAUDIO_LOG_FORMAT`` (``text`` when unset)."""
    env = os.environ if env is None else env
    value = env.get(ENV_PREFIX + "LOG_FORMAT", "").strip().lower() or "text"
    if value not in LOG_FORMATS:
        raise ConfigError(f"{ENV_PREFIX}LOG_FORMAT={value!r}: use one of {', '.join(LOG_FORMATS)}")
    return value


def find_config(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None) -> Path | None:
    """The config file that applies: ``path``, else ``$NEWSAUDIO_CONFIG``, else ``./newsaudio.toml``
    when it exists; None when there is none (then only the defaults and the environment apply)."""
    env = os.environ if env is None else env
    given = path or env.get(ENV_PREFIX + "CONFIG") or None
    if given is not None:
        return Path(given)
    return Path("newsaudio.toml") if Path("newsaudio.toml").exists() else None


def load_settings(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    p = find_config(path, env)
    settings = Settings()
    raw: dict[str, Any] = {}
    if p is not None:
        if not p.exists():
            raise ConfigError(
                f"config file {p} does not exist: create it, or give another with --config or NEWSAUDIO_CONFIG"
            )
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from exc
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ConfigError(
                f"config file {p} cannot be read ({why}): fix its permissions or encoding (UTF-8), "
                "or give another with --config"
            ) from exc
        settings.root = p.resolve().parent
    raw = dict(raw.get("newsaudio", raw))
    feeds = raw.pop("feeds", [])
    channel = raw.pop("channel", {})
    _apply(settings, raw, str(p or "settings"))
    _apply(settings.channel, channel, "[channel]")
    try:
        settings.feeds = [FeedConfig(**f) for f in feeds]
    except TypeError as exc:
        raise ConfigError(
            f"[[feeds]]: each feed needs name and url (and may set channel fields: "
            f"{', '.join(f.name for f in dataclasses.fields(FeedConfig)[2:])}): {exc}"
        ) from exc

    skip = {"CONFIG", "LOG_FORMAT"}
    for key, value in env.items():
        if not key.startswith(ENV_PREFIX) or key[len(ENV_PREFIX):] in skip:
            continue
        name = key[len(ENV_PREFIX):].lower()
        if name.startswith("channel_"):
            _apply(settings.channel, {name[len("channel_"):]: value}, key)
        elif name in {f.name for f in dataclasses.fields(settings)} and name not in {"feeds", "channel", "root"}:
            _apply(settings, {name: value}, key)

    for name in _path_fields(Settings) - {"root"}:
        value = getattr(settings, name)
        if isinstance(value, Path) and not value.is_absolute():
            setattr(settings, name, settings.root / value)
    if settings.cache_dir is None:
        settings.cache_dir = settings.data_dir / "cache"
    if settings.public_base_url.strip().lower() == "auto":
        settings.public_base_url = f"http://{lan_address()}:{settings.serve_port}"
    return settings


def auto_base_url(settings: Settings, port: int) -> str | None:
    """The address "auto" stands for on ``port``, when the settings' public_base_url is the one
    "auto" gave (this machine's LAN address and serve_port); None when it was set by hand."""
    lan = lan_address()
    if settings.public_base_url != f"http://{lan}:{settings.serve_port}":
        return None
    return f"http://{lan}:{port}"


def lan_address() -> str:
    """This machine's address on its network (the one its default route leaves from), so a phone
    on the same Wi-Fi reaches `newsaudio serve`; 127.0.0.1 when there is no network."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            # A UDP "connect" sends nothing; it only picks the outgoing interface.
            s.connect(("192.0.2.1", 9))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"
