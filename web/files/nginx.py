"""deploy/nginx.conf, rendered from the settings; and a throwaway nginx for tests and benchmarks.

    python -m web.files.nginx [--listen 80] [--upstream 127.0.0.1:8000] > /etc/nginx/sites-enabled/newsaudio.conf
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.config import Settings
from web.files.http import parse_origins

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/bin/nginx")


def _nginx_string(value: str) -> str:
    """A quoted nginx string: nothing in a setting may end the directive or start a new one."""
    if any(c in value for c in '"\\;{}\n\r$'):
        raise ValueError(f"cannot put {value!r} into nginx.conf")
    return f'"{value}"'


def cors_map(cors_origins: str) -> str:
    origins = parse_origins(cors_origins)
    if "*" in origins:
        return '    default "*";'
    lines = ['    default "";']
    lines += [f"    {_nginx_string(o)} $http_origin;" for o in origins]
    return "\n".join(lines)


# Concurrent requests one client address may have open (podcast apps use a few; an office or a
# carrier's NAT shares an address, so this is generous).
PER_CLIENT_CONNECTIONS = 64


def limits(settings: Settings | None = None) -> dict[str, str]:
    """The connection and body limits of `newsaudio serve` (web/serve.py, web/app.py), as nginx
    values, so both servers refuse the same things."""
    s = settings or Settings()
    return {
        "@HEADER_TIMEOUT@": f"{round(s.serve_header_timeout_s * 1000)}ms",
        "@BODY_TIMEOUT@": f"{round(s.serve_body_timeout_s * 1000)}ms",
        "@KEEPALIVE@": f"{round(s.serve_keep_alive_s * 1000)}ms",
        "@FORM_BODY@": str(s.max_form_body_bytes),
        "@APP_BODY@": str(max(s.max_api_body_bytes, s.max_lexicon_body_bytes, s.max_form_body_bytes)),
        "@PER_CLIENT@": str(PER_CLIENT_CONNECTIONS),
        "@APP_TOTAL@": str(s.serve_max_connections),
    }


DOWNLOADS_LOG = "/var/log/nginx/newsaudio-audio.log"


def render(
    output_dir: Path, *, listen: str = "80", upstream: str = "127.0.0.1:8000", cors_origins: str = "*",
    settings: Settings | None = None, access_log: str = DOWNLOADS_LOG,
) -> str:
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in {
        **limits(settings),
        "@CORS_MAP@": cors_map(cors_origins),
        "@CORS_VARY@": "" if "*" in parse_origins(cors_origins) else "Origin",
        "@UPSTREAM@": upstream,
        "@LISTEN@": listen,
        "@ACCESS_LOG@": _nginx_string(access_log),
        "@OUTPUT_DIR@": _nginx_string(str(Path(output_dir).resolve())),
    }.items():
        if key not in ("@CORS_MAP@", "@CORS_VARY@") and any(c in value for c in ";{}\n"):
            raise ValueError(f"cannot put {value!r} into nginx.conf")
        text = text.replace(key, value)
    return text


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((c for c in NGINX_CANDIDATES if os.access(c, os.X_OK)), None)
    if not found:
        raise FileNotFoundError("nginx is not installed: run `make install` (apt-get install nginx-light)")
    return found


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            said = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"nginx exited with {proc.returncode}: {said}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nginx did not answer on 127.0.0.1:{port}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_nginx(
    output_dir: Path, *, upstream: str = "127.0.0.1:9", cors_origins: str = "*", workers: int = 1,
    access_log: Path | None = None,
) -> Iterator[str]:
    """A foreground nginx with the shipped config on a loopback port; yields its base URL. Its
    downloads log goes to ``access_log`` (default: into its throwaway folder)."""
    binary = nginx_binary()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="newsaudio-nginx-") as tmp:
        prefix = Path(tmp)
        log = str(access_log or prefix / "audio.log")
        site = render(output_dir, listen=f"127.0.0.1:{port}", upstream=upstream, cors_origins=cors_origins,
                      access_log=log)
        (prefix / "newsaudio.conf").write_text(site, encoding="utf-8")
        # Running as root, nginx's workers would switch to nobody, who cannot read a test's
        # private temp folder; a throwaway server keeps the caller's user.
        user = "user root;\n" if os.geteuid() == 0 else ""
        (prefix / "nginx.conf").write_text(
            f"{user}worker_processes {workers};\npid {prefix}/nginx.pid;\nerror_log stderr error;\n"
            "events { worker_connections 1024; }\n"
            f"http {{\n access_log off;\n client_body_temp_path {prefix}/body;\n proxy_temp_path {prefix}/proxy;\n"
            f" include {prefix}/newsaudio.conf;\n}}\n",
            encoding="utf-8",
        )
        proc = subprocess.Popen(
            [binary, "-e", "stderr", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            _wait_for_port(port, proc)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main(argv: list[str] | None = None) -> int:
    from pipeline.config import load_settings

    parser = argparse.ArgumentParser(
        prog="python -m web.files.nginx", description="print deploy/nginx.conf for the settings"
    )
    parser.add_argument("--config", "-c")
    parser.add_argument("--listen", default="80", help="nginx's listen address (default 80)")
    parser.add_argument("--upstream", help="where `newsaudio serve` runs (default 127.0.0.1:<serve_port>)")
    args = parser.parse_args(argv)
    settings = load_settings(args.config)
    upstream = args.upstream or f"127.0.0.1:{settings.serve_port}"
    conf = render(settings.output_dir, listen=args.listen, upstream=upstream, cors_origins=settings.cors_origins,
                  settings=settings)
    sys.stdout.write(conf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
