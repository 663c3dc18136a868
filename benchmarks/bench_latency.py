"""Publish-to-app latency: a CMS push of a 600-word article until the item is in the feed and the
WebSub hub has been told, through the real parts, all on loopback.

Run: .venv/bin/python -u benchmarks/bench_latency.py [--voices espeak-de,house] [--workers 1,2]

Per scenario (voice x synth worker processes), in a fresh folder: a loopback site serves the
article, a loopback hub records WebSub pings, `newsaudio serve` answers the API and sends the
pings (its background sender, as in production), and real Celery workers on Redis
(127.0.0.1:6379, db 13, which the tests never use; flushed first) run the job: one I/O worker on
`default` and one synth worker on `synth` with `-c 1` or `-c 2` processes, as the Procfile starts
them. Each synth process speaks a short article first (a warm worker, as after its first task).
Then `POST /api/v1/articles` names the article, and the stages are read from the job's record
(its status as it changes, polled every 50 ms; its result's timings, which the render measures)
and from what an app sees: the feed served by the app, the ping arriving at the hub.

The house voice is a Thorsten-size Coqui VITS with random weights (nothing can be downloaded;
speed does not depend on the weights) fetched as `newsaudio voices fetch default` does, so it
runs on onnxruntime from its ONNX export, as in production.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
import redis  # noqa: E402

from pipeline.config import Settings, load_settings  # noqa: E402
from tests.support.webservers import start_app, stop  # noqa: E402
from web.files.nginx import free_port  # noqa: E402

BROKER = os.environ.get("NEWSAUDIO_BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
ARTICLES = REPO / "sample" / "site" / "articles"
WORDS = 600
TARGET_S = 120.0


# --- the article, the site and the hub ----------------------------------------------------------

def _paragraphs(name: str) -> tuple[str, list[str]]:
    from pipeline.stages.extract import extract

    article = extract((ARTICLES / name).read_text(encoding="utf-8"), f"https://www.n-tv.de/{name}")
    return article.title, [b.text for b in article.blocks if b.kind == "paragraph"]


def page(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return (f'<!doctype html><html lang="de"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><article><h1>{title}</h1>\n{body}</article></body></html>").encode()


def sample_article(words: int = WORDS) -> tuple[bytes, bytes]:
    """(the 600-word article page, a short warm-up page), from the bundled sample articles."""
    title, paragraphs = _paragraphs("politik-trump-venezuela-tanker.html")
    _, more = _paragraphs("politik-russland-iran-militaerabkommen.html")
    chosen: list[str] = []
    for p in paragraphs + more:
        if sum(len(c.split()) for c in chosen) >= words:
            break
        chosen.append(p)
    return page(title, chosen), page("Kurz gemeldet", more[:2])


@dataclass
class Loopback:
    """The newsroom's site (article pages, an empty feed) and a WebSub hub, on one port."""

    pages: dict[str, bytes]
    pings: list[tuple[float, bytes]] = field(default_factory=list)

    def serve(self) -> tuple[ThreadingHTTPServer, str]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                if self.path == "/feed.xml":
                    self._answer(200, b"<rss version='2.0'><channel><title>t</title></channel></rss>",
                                 "application/rss+xml")
                elif self.path in site.pages:
                    self._answer(200, site.pages[self.path])
                else:
                    self._answer(404)

            def do_POST(self) -> None:  # noqa: N802 - the hub: a WebSub publish ping
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                site.pings.append((time.perf_counter(), body))
                self._answer(204)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}"


# --- one scenario -------------------------------------------------------------------------------

def write_config(folder: Path, site: str, web_port: int, voice: str) -> Path:
    config = folder / "newsaudio.toml"
    config.write_text(f"""
public_base_url = "http://127.0.0.1:{web_port}"
output_dir = "{folder / 'output'}"
data_dir = "{folder / 'data'}"
broker_url = "{BROKER}"
jobs_backend = "celery"
allowed_hosts = ["127.0.0.1"]
websub_hubs = ["{site}/hub"]
voice = "{voice}"

[[feeds]]
name = "bench"
url = "{site}/feed.xml"
title = "Bench"
""", encoding="utf-8")
    return config


def start_worker(folder: Path, env: dict[str, str], name: str, queue: str, processes: int) -> subprocess.Popen[bytes]:
    log = folder / f"worker-{name}.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", queue, "-c", str(processes),
         "-n", f"{name}-bench@%h", "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
        cwd=REPO, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180
    while b"ready" not in log.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker {name} did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)
    return proc


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)  # warm shutdown: the pool's processes go with it
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class Seen:
    running: float | None = None
    done: float | None = None
    in_feed: float | None = None
    ping: float | None = None


def push(base: str, token: str, url: str) -> str:
    # The first push loads the pipeline into the web process: seconds on a busy machine.
    answer = httpx.post(f"{base}/api/v1/articles", json={"url": url, "feed": "bench"},
                        headers={"Authorization": f"Bearer {token}"}, timeout=300)
    assert answer.status_code == 202, answer.text
    return answer.json()["job_id"]


def wait_jobs(settings: Settings, job_ids: list[str], timeout: float) -> list[Any]:
    from pipeline.state.job_records import get_job
    from pipeline.state.store import open_store

    store = open_store(settings)
    deadline = time.monotonic() + timeout
    while True:
        jobs = [get_job(store, j) for j in job_ids]
        if all(j is not None and j.status in ("done", "failed") for j in jobs):
            return jobs
        if time.monotonic() > deadline:
            raise TimeoutError(f"jobs not done: {[(j.id, j.status) for j in jobs if j]}")
        time.sleep(0.2)


def follow(settings: Settings, base: str, job_id: str, url: str, hub: Loopback, after: int, start: float,
           timeout: float) -> tuple[Seen, Any]:
    """Poll the job's record, the served feed and the hub until all three have happened."""
    from pipeline.state.job_records import get_job
    from pipeline.state.store import open_store

    store = open_store(settings)
    seen = Seen()
    feed = f"{base}/feeds/bench.xml"
    job = None
    with httpx.Client(timeout=10) as client:
        while seen.ping is None or seen.done is None or seen.in_feed is None:
            now = time.perf_counter()
            if now - start > timeout:
                raise TimeoutError(f"after {timeout:.0f} s: {seen}, job {job}")
            job = get_job(store, job_id)
            if job is not None and job.status != "queued" and seen.running is None:
                seen.running = now
            if job is not None and job.status in ("done", "failed") and seen.done is None:
                seen.done = now
                if job.status == "failed":
                    raise RuntimeError(f"job failed: {job.result}")
            if seen.in_feed is None:
                answer = client.get(feed)
                if answer.status_code == 200 and url.encode() in answer.content:
                    seen.in_feed = now
            if seen.ping is None and len(hub.pings) > after:
                seen.ping = hub.pings[after][0]
            time.sleep(0.05)
    return seen, job


def house_voice(root: Path, env: dict[str, str]) -> Path:
    """Build the Thorsten-size VITS into TTS_HOME and fetch it (which exports it to ONNX) once;
    the data folder holding the export, to copy into each scenario's."""
    shared = root / "house-data"
    code = ("import sys, warnings; warnings.filterwarnings('ignore'); sys.path.insert(0, sys.argv[1]); "
            "from pathlib import Path; from pipeline.config import Settings; "
            "from voices.engines.random_vits import build_vits; from voices import fetch_model; "
            "build_vits(Path(sys.argv[2]) / 'tts' / 'tts_models--de--thorsten--vits', size='thorsten'); "
            "fetch_model('default', Settings(data_dir=Path(sys.argv[3])))")
    subprocess.run([sys.executable, "-c", code, str(REPO), env["TTS_HOME"], str(shared)], env=env, check=True,
                   capture_output=True)
    return shared


def scenario(root: Path, voice: str, processes: int, env0: dict[str, str], house_data: Path | None) -> dict[str, Any]:
    from pipeline.state.accounts import add_token
    from pipeline.state.store import open_store

    folder = root / f"{voice}-{processes}"
    folder.mkdir()
    if house_data is not None:
        shutil.copytree(house_data, folder / "data")
    article, warm = sample_article()
    pages = {"/artikel.html": article, **{f"/warm-{i}.html": warm for i in range(processes)}}
    hub = Loopback(pages)
    server, site = hub.serve()
    web_port = free_port()
    config = write_config(folder, site, web_port, "default" if voice == "house" else voice)
    env = {**env0, "NEWSAUDIO_CONFIG": str(config), "NEWSAUDIO_DATABASE_URL": "", "PYTHONPATH": str(REPO)}
    settings = load_settings(config, env={})
    redis.Redis.from_url(BROKER).flushdb()  # no message of an earlier run waits in db 13
    token = add_token(open_store(settings), "bench", ["articles:write", "read"], "bench")
    procs = []
    app = None
    try:
        app, base = start_app(folder / "output", folder / "data", env={k: env[k] for k in (
            "NEWSAUDIO_CONFIG", "TTS_HOME")}, port=web_port)
        procs.append(start_worker(folder, env, "io", "default", 1))
        procs.append(start_worker(folder, env, "synth", "synth", processes))
        # Warm: each synth process has spoken once (voice loaded), as a worker after its first task.
        warm_jobs = [push(base, token, f"{site}/warm-{i}.html") for i in range(processes)]
        wait_jobs(settings, warm_jobs, timeout=900)
        settle = time.monotonic() + 30
        while time.monotonic() < settle:  # the warm-up's pings sent, none pending
            count = len(hub.pings)
            time.sleep(3)
            if len(hub.pings) == count and count:
                break
        after = len(hub.pings)
        url = f"{site}/artikel.html"
        load = os.getloadavg()[0]  # other work on the machine: it shares the two cores
        start = time.perf_counter()
        job_id = push(base, token, url)
        answered = time.perf_counter()
        seen, job = follow(settings, base, job_id, url, hub, after, start, timeout=1800)
    finally:
        for proc in procs:
            stop_worker(proc)
        if app is not None:
            stop(app)
        server.shutdown()
        server.server_close()
    timings = job.result.get("timings", {})
    return {"voice": voice, "processes": processes, "start": start, "load": load, "answered": answered, "seen": seen,
            "timings": timings, "duration_s": job.result.get("duration_s", 0.0), "voice_id": job.result.get("voice"),
            "words": len(" ".join(p for p in article.decode().split("<p>")[1:]).split())}


def stages(r: dict[str, Any]) -> list[tuple[str, float]]:
    """Seconds per stage, in order; they add up to the total."""
    seen: Seen = r["seen"]
    t = r["timings"]
    worked = sum(t.get(k, 0.0) for k in ("fetch", "extract", "voice-load", "speech", "synthesis", "master"))
    assert seen.running is not None and seen.in_feed is not None and seen.ping is not None
    if "join" in t:
        # Split: the job ran as the article's workflow (prepare, parts on every synth process,
        # then the render that joins them); the job's result is the render's, so what came
        # before it is one row, the parts' synthesis and mastering in parallel among it.
        render = sum(t.get(k, 0.0) for k in ("voice-load", "speech", "join", "synthesis", "master", "publish"))
        return [
            ("API answer (202)", r["answered"] - r["start"]),
            ("queue wait", seen.running - r["answered"]),
            ("prepare+parts", seen.in_feed - seen.running - render),
            ("speech (render)", t.get("speech", 0.0) + t.get("voice-load", 0.0)),
            ("join parts", t.get("join", 0.0) + t.get("synthesis", 0.0) + t.get("master", 0.0)),
            ("publish: sign", t.get("sign", 0.0)),
            ("publish: episode", t.get("publish", 0.0) - t.get("sign", 0.0)),
            ("ping", seen.ping - seen.in_feed),
        ]
    return [
        ("API answer (202)", r["answered"] - r["start"]),
        ("queue wait", seen.running - r["answered"]),
        ("fetch", t.get("fetch", 0.0)),
        ("extract", t.get("extract", 0.0)),
        ("speech", t.get("speech", 0.0) + t.get("voice-load", 0.0)),
        ("synthesis", t.get("synthesis", 0.0)),
        ("mastering", t.get("master", 0.0)),
        # the C2PA signature; the episode's files and records; then the feed written and served
        # (with the job's own bookkeeping in between)
        ("publish: sign", t.get("sign", 0.0)),
        ("publish: episode", t.get("publish", 0.0) - t.get("sign", 0.0)),
        ("publish: feed", seen.in_feed - seen.running - worked - t.get("publish", 0.0)),
        ("ping", seen.ping - seen.in_feed),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", default="espeak-de,house", help="espeak-de and/or house")
    parser.add_argument("--workers", default="1,2", help="synth worker processes to try")
    args = parser.parse_args()
    voices = [v for v in args.voices.split(",") if v]
    counts = [int(c) for c in args.workers.split(",") if c]
    redis.Redis.from_url(BROKER).ping()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        root = Path(tmp)
        env = {**os.environ, "TTS_HOME": str(root / "tts-home"), "OMP_NUM_THREADS": "1"}
        house_data = None
        if "house" in voices:
            t0 = time.perf_counter()
            house_data = house_voice(root, env)
            print(f"built the house voice (Thorsten-size VITS) and its ONNX export in {time.perf_counter() - t0:.0f} s")
        for voice in voices:
            for processes in counts:
                r = scenario(root, voice, processes, env, house_data if voice == "house" else None)
                results.append(r)
                total = r["seen"].ping - r["start"]
                print(f"{voice}, {processes} synth process(es): {total:.1f} s from push to ping "
                      f"({r['duration_s'] / 60:.1f} min of audio, {r['words']} words, voice {r['voice_id']})")
    print(f"\n== CMS push of a {results[0]['words']}-word article to the item in the feed and the WebSub ping "
          f"(loopback; {os.cpu_count()} cores)")
    header = [f"{r['voice']} x{r['processes']}" for r in results]
    print(f"{'stage (s)':<18}" + "".join(f"{h:>16}" for h in header))
    table = [dict(stages(r)) for r in results]
    names = list(dict.fromkeys(name for r in results for name, _ in stages(r)))
    for name in names:  # a split render has rows of its own (prepare+parts, join): "-" elsewhere
        print(f"{name:<18}" + "".join(f"{rows[name]:>16.2f}" if name in rows else f"{'-':>16}" for rows in table))
    print(f"{'in the feed':<18}" + "".join(f"{r['seen'].in_feed - r['start']:>16.1f}" for r in results))
    print(f"{'total (ping sent)':<18}" + "".join(f"{r['seen'].ping - r['start']:>16.1f}" for r in results))
    print(f"{'load average':<18}" + "".join(f"{r['load']:>16.1f}" for r in results))
    print(f"{'audio minutes':<18}" + "".join(f"{r['duration_s'] / 60:>16.1f}" for r in results))
    # A push goes the way a polled article goes: a long one's parts are spoken by every free
    # synth process at once (workers.tasks.run_job), so a second process speeds it up.
    house = [r for r in results if r["voice"] == "house" and r["processes"] == 2]
    if house:
        total = house[0]["seen"].ping - house[0]["start"]
        print(f"\npublish to app with the house voice on two cores: {total:.0f} s (target < {TARGET_S:.0f} s)")


if __name__ == "__main__":
    main()
