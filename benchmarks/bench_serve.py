"""Serving benchmark: `newsaudio serve` (uvicorn, one process) and nginx with deploy/nginx.conf
(one worker) on loopback, 50 concurrent keep-alive clients, two requests a podcast audience makes
most: a 64 KB range of an episode (players seeking and apps downloading in parts) and a feed poll
answered 304. Prints requests/s, p50/p99 latency, errors (must be 0) and the peak memory (VmHWM) of
the server processes; and the app's footprint: the time and memory `import web.app` takes, the
process's memory (VmRSS) after it started, after the load, and after its first console page
(which imports the console and the pipeline behind it).

Run: .venv/bin/python benchmarks/bench_serve.py [--seconds 5] [--clients 50]
The load generator is a small asyncio HTTP/1.1 client in this process (one core of the machine);
on a small machine it competes with the server for CPU, so read the numbers as a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.support.webservers import build_output, start_app, stop, write_feed  # noqa: E402
from web.files.nginx import running_nginx  # noqa: E402

RANGE = 64 * 1024


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""


async def _client(host: str, port: int, request: bytes, status: int, length: int, until: float, res: Result) -> None:
    """One keep-alive client: request, read the answer, repeat; reconnects when the server says
    `Connection: close` (nginx does after keepalive_requests), as a real client would."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < until:
            t0 = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            got = int(lines[0].split()[1])
            fields = {n.strip().lower(): v.strip() for n, _, v in (line.partition(":") for line in lines[1:])}
            size = int(fields.get("content-length", "0"))
            body = await reader.readexactly(size) if size else b""
            res.latencies.append(time.perf_counter() - t0)
            if got != status or len(body) != length:
                res.errors += 1
                res.first_error = res.first_error or f"status {got}, {len(body)} bytes"
            if fields.get("connection", "").lower() == "close":
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        res.errors += 1
        res.first_error = res.first_error or repr(exc)
    finally:
        writer.close()


async def _load(
    base: str, request: bytes, status: int, length: int, clients: int, seconds: float
) -> tuple[Result, float]:
    host, port = base.removeprefix("http://").split(":")
    res = Result()
    # Warm up (connections, page cache), then measure.
    await asyncio.gather(*(_client(host, int(port), request, status, length, time.perf_counter() + 0.5, Result())
                           for _ in range(clients)))
    start = time.perf_counter()
    until = start + seconds
    await asyncio.gather(*(_client(host, int(port), request, status, length, until, res) for _ in range(clients)))
    return res, time.perf_counter() - start


def _request(path: str, **headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _peak_rss_mb(pid: int, field: str = "VmHWM") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _import_footprint() -> tuple[float, float]:
    """Seconds and MB (VmRSS) of `import web.app` in a fresh interpreter (best of 3)."""
    code = ("import time; t = time.perf_counter(); import web.app; s = time.perf_counter() - t; "
            "rss = [l for l in open('/proc/self/status') if l.startswith('VmRSS:')][0].split()[1]; "
            "print(s, int(rss) / 1024)")
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
        seconds, mb = out.stdout.split()
        runs.append((float(seconds), float(mb)))
    return min(runs)


def _nginx_peak_mb() -> float:
    """The nginx worker's peak memory (the master only forks and waits)."""
    peaks = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "cmdline").read_bytes().startswith(b"nginx: worker"):
                peaks.append(_peak_rss_mb(int(proc.name)))
        except OSError:
            continue
    return max(peaks, default=float("nan"))


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        published = build_output(Path(tmp))
        feed = write_feed(published, "bench", "http://127.0.0.1")
        audio = "/" + published.audio
        assert len(published.audio_bytes) > RANGE
        proc, app_base = start_app(published.output, Path(tmp) / "data")
        rows = []
        peaks: dict[str, float] = {}
        footprint = {"after start": _peak_rss_mb(proc.pid, "VmRSS")}
        try:
            with running_nginx(published.output, upstream=app_base.removeprefix("http://")) as nginx_base:
                for kind, base in (("newsaudio serve", app_base), ("nginx", nginx_base)):
                    etag = httpx.get(f"{base}/{feed}").headers["etag"]
                    cases = [
                        ("64 KB range of an MP3", _request(audio, Range=f"bytes=0-{RANGE - 1}"), 206, RANGE),
                        ("feed poll, 304", _request(f"/{feed}", **{"If-None-Match": etag}), 304, 0),
                    ]
                    for name, request, status, length in cases:
                        res, elapsed = asyncio.run(_load(base, request, status, length, args.clients, args.seconds))
                        rows.append((kind, name, len(res.latencies) / elapsed, _pct(res.latencies, 0.5),
                                     _pct(res.latencies, 0.99), res.errors, res.first_error))
                    peaks[kind] = _peak_rss_mb(proc.pid) if kind == "newsaudio serve" else _nginx_peak_mb()
            footprint["after the load"] = _peak_rss_mb(proc.pid, "VmRSS")
            assert httpx.get(f"{app_base}/console/login").status_code == 200
            footprint["after a console page"] = _peak_rss_mb(proc.pid, "VmRSS")
        finally:
            stop(proc)

    print(f"\n{args.clients} concurrent keep-alive clients, {args.seconds:.0f} s per row, loopback\n")
    print(f"| {'server':<15} | {'request':<22} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'errors':>6} |")
    print(f"|{'-' * 17}|{'-' * 24}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 8}|")
    for kind, name, rps, p50, p99, errors, _ in rows:
        print(f"| {kind:<15} | {name:<22} | {rps:>8.0f} | {p50:>7.1f} | {p99:>7.1f} | {errors:>6} |")
    print()
    for kind, mb in peaks.items():
        print(f"peak memory (VmHWM) of {kind}: {mb:.1f} MB")
    seconds, mb = _import_footprint()
    print(f"import web.app: {seconds:.2f} s, {mb:.1f} MB (VmRSS of a fresh interpreter after it)")
    print("the app's memory (VmRSS): " + ", ".join(f"{k} {v:.1f} MB" for k, v in footprint.items()))
    failed = [(k, n, e) for k, n, _, _, _, errors, e in rows if errors]
    for kind, name, first in failed:
        print(f"ERRORS: {kind}, {name}: first was {first}")
    print("errors: none" if not failed else "errors: see above")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
