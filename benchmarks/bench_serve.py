"""Serving benchmark: `newsaudio serve` (uvicorn, one process) and nginx with deploy/nginx.conf
(one worker) on loopback, 50 concurrent keep-alive clients driven by Debian's `wrk`, for the
requests a podcast audience makes: a whole episode MP3, a 64 KB range of one (players seeking,
apps downloading in parts) and a feed poll answered 304.

Prints per row: requests/s, p50/p99 latency, errors (socket errors plus answers other than
2xx/3xx; every request is first checked once for its exact status and length) and the server's
CPU per request: the CPU seconds (user + system, /proc/<pid>/stat) of the server's processes
(the app; nginx's master and workers) over the row, divided by the requests answered. That is
what a core costs per request whatever the load generator manages. Then the app's footprint:
the time and memory `import web.app` takes, the process's memory (VmRSS) after it started,
after the load, and after its first console page.

Run: .venv/bin/python benchmarks/bench_serve.py [--seconds 10] [--clients 50] [--threads 1]
wrk runs on the same machine; its one thread (the default) leaves the other core to the server,
which is one process (the app) or one worker (nginx) either way.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.support.webservers import build_output, start_app, stop, write_feed  # noqa: E402
from web.files.nginx import running_nginx  # noqa: E402

RANGE = 64 * 1024
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    headers: dict[str, str]
    status: int
    length: int


@dataclass(frozen=True)
class Row:
    server: str
    case: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms_per_request: float


def _stat(pid: int) -> list[str]:
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw[raw.rindex(")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """``root`` and its descendants, by their parent pids in /proc."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                children.setdefault(int(_stat(int(proc.name))[1]), []).append(int(proc.name))
            except (OSError, ValueError, IndexError):
                continue  # gone while we looked
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = _stat(pid)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / TICKS


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def parse_wrk(out: str) -> tuple[int, float, float, float, int]:
    """(requests, req/s, p50 ms, p99 ms, errors) from wrk's --latency report."""
    pct = {m.group(1): _ms(m.group(2), m.group(3)) for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$",
                                                                        out, re.M)}
    requests = int(re.search(r"^\s+(\d+) requests in", out, re.M).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M).group(1))  # type: ignore[union-attr]
    errors = 0
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    return requests, rps, pct.get("50", float("nan")), pct.get("99", float("nan")), errors


def wrk(url: str, headers: dict[str, str], clients: int, seconds: float, threads: int) -> str:
    command = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds:g}s", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout


def check_once(base: str, case: Case) -> None:
    """wrk counts only statuses outside 2xx/3xx as errors: check the exact answer first."""
    answer = httpx.get(base + case.path, headers=case.headers)
    if answer.status_code != case.status or len(answer.content) != case.length:
        raise SystemExit(f"{base}{case.path}: expected {case.status} with {case.length} bytes, got "
                         f"{answer.status_code} with {len(answer.content)}")


def measure(server: str, base: str, pids: list[int], case: Case, args: argparse.Namespace) -> Row:
    check_once(base, case)
    wrk(base + case.path, case.headers, args.clients, 1, args.threads)  # warm: connections, page cache
    before = cpu_seconds(pids)
    out = wrk(base + case.path, case.headers, args.clients, args.seconds, args.threads)
    used = cpu_seconds(pids) - before
    requests, rps, p50, p99, errors = parse_wrk(out)
    return Row(server, case.name, requests, rps, p50, p99, errors, used / max(1, requests) * 1000)


def _status_mb(pid: int, field: str) -> float:
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


def nginx_pids() -> list[int]:
    """Our nginx: the master this process started, and its workers (other nginx on the machine,
    e.g. another test run's, are not counted)."""
    for pid in process_tree(os.getpid())[1:]:
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"nginx: master"):
                return process_tree(pid)
        except OSError:
            continue
    raise RuntimeError("the nginx this benchmark started is not running")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: the server gets a core)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: bash scripts/install-web.sh (Debian package wrk)", file=sys.stderr)
        return 2
    load_before = os.getloadavg()[0]  # other work on the machine shares the cores

    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        published = build_output(Path(tmp))
        feed = write_feed(published, "bench", "http://127.0.0.1")
        audio = "/" + published.audio
        size = len(published.audio_bytes)
        assert size > RANGE
        proc, app_base = start_app(published.output, Path(tmp) / "data")
        rows: list[Row] = []
        peaks: dict[str, float] = {}
        footprint = {"after start": _status_mb(proc.pid, "VmRSS")}
        try:
            with running_nginx(published.output, upstream=app_base.removeprefix("http://")) as nginx_base:
                for kind, base in (("newsaudio serve", app_base), ("nginx", nginx_base)):
                    pids = process_tree(proc.pid) if kind == "newsaudio serve" else nginx_pids()
                    etag = httpx.get(f"{base}/{feed}").headers["etag"]
                    cases = [
                        Case(f"whole MP3 ({size // 1024} KB)", audio, {}, 200, size),
                        Case("64 KB range of an MP3", audio, {"Range": f"bytes=0-{RANGE - 1}"}, 206, RANGE),
                        Case("feed poll, 304", f"/{feed}", {"If-None-Match": etag}, 304, 0),
                    ]
                    for case in cases:
                        rows.append(measure(kind, base, pids, case, args))
                    peaks[kind] = max(_status_mb(pid, "VmHWM") for pid in pids if pid != pids[0]
                                      ) if kind == "nginx" else _status_mb(proc.pid, "VmHWM")
            footprint["after the load"] = _status_mb(proc.pid, "VmRSS")
            assert httpx.get(f"{app_base}/console/login").status_code == 200
            footprint["after a console page"] = _status_mb(proc.pid, "VmRSS")
        finally:
            stop(proc)

    print(f"\nwrk, {args.clients} keep-alive connections, {args.threads} thread, {args.seconds:g} s per row, "
          f"loopback, {os.cpu_count()} cores (load average before: {load_before:.1f})\n")
    print("| server | request | req/s | p50 ms | p99 ms | errors | server CPU ms/request |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r.server} | {r.case} | {r.rps:.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors} | "
              f"{r.cpu_ms_per_request:.3f} |")
    print()
    for kind, mb in peaks.items():
        print(f"peak memory (VmHWM) of {kind}{' worker' if kind == 'nginx' else ''}: {mb:.1f} MB")
    seconds, mb = _import_footprint()
    print(f"import web.app: {seconds:.2f} s, {mb:.1f} MB (VmRSS of a fresh interpreter after it)")
    print("the app's memory (VmRSS): " + ", ".join(f"{k} {v:.1f} MB" for k, v in footprint.items()))
    failed = [r for r in rows if r.errors]
    for r in failed:
        print(f"ERRORS: {r.server}, {r.case}: {r.errors}")
    print("errors: none" if not failed else "errors: see above")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
