"""Where published files go: a folder (output_dir, as always) or a bucket on an S3-compatible
object store (``output_url = "s3://bucket/prefix"``), behind one small interface (Folder and Bucket
have the same methods) that publish/output.py and the publisher write through.

Both keep the folder's guarantees. Each write is whole (a temp file renamed over the old one;
one PUT, which an object store makes visible all at once), the callers keep the order (audio,
transcripts and sidecars before the record, the feed last), and a write that would not change
the bytes is skipped (the folder compares the file, the bucket the object's SHA-256, kept in its
metadata). A
bucket's objects carry the Content-Type and Cache-Control ``newsaudio serve`` sends for the same
path (publish/headers.py), so the CDN in front of it answers as our server does.

boto3 is imported only when a bucket is used: the web app and the folder path never load it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePath, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from pipeline.config import ConfigError, Settings
from pipeline.files import atomic_write, write_if_changed
from pipeline.stages.publish.headers import cache_control, content_type


@dataclass(frozen=True)
class Folder:
    root: Path

    def put(self, rel: str, data: bytes) -> None:
        atomic_write(self.root / rel, data)

    def put_if_changed(self, rel: str, data: bytes) -> bool:
        return write_if_changed(self.root / rel, data)

    def read(self, rel: str) -> bytes | None:
        try:
            return (self.root / rel).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def delete(self, rel: str) -> bool:
        path = self.root / rel
        existed = path.exists()
        path.unlink(missing_ok=True)
        return existed

    def listing(self, under: str) -> Iterator[tuple[str, float]]:
        """(path, modification time) of the files directly in the folder ``under``."""
        folder = self.root / under
        if not folder.is_dir():
            return
        for path in folder.iterdir():
            try:
                yield f"{under.rstrip('/')}/{path.name}", path.stat().st_mtime
            except FileNotFoundError:
                continue

    def where(self, rel: str) -> PurePath:
        return self.root / rel


class ObjectPath(PurePosixPath):
    """Where an object is, shown (in logs, in `newsaudio run`'s summary) as its s3:// URL."""

    def __str__(self) -> str:
        return "s3://" + super().__str__().removeprefix("s3:/")


@dataclass(frozen=True)
class S3Client:
    """How to reach the store: each "" leaves boto3 its own default (AWS_* variables, ~/.aws)."""

    endpoint_url: str = ""
    region: str = ""
    access_key_id: str = ""
    secret_access_key: str = field(default="", repr=False)


@cache
def _client(how: S3Client, pid: int) -> Any:
    """One client per process (``pid``): a Celery worker's pool processes are forked after its
    main process swept the bucket, and a client's connections must not be shared across a fork."""
    import boto3  # here, not at the top: only a bucket needs it
    from botocore.config import Config

    options: dict[str, Any] = {"retries": {"max_attempts": 5, "mode": "standard"}}
    if how.endpoint_url:
        # Stores other than AWS rarely have a DNS name per bucket.
        options["s3"] = {"addressing_style": "path"}
    try:
        # Checksums only where the API requires them: newer botocore's streamed trailing
        # checksums are not understood by every S3-compatible store.
        config = Config(request_checksum_calculation="when_required",
                        response_checksum_validation="when_required", **options)
    except TypeError:  # an older botocore, which sends none anyway
        config = Config(**options)
    return boto3.session.Session().client(
        "s3",
        endpoint_url=how.endpoint_url or None,
        region_name=how.region or None,
        aws_access_key_id=how.access_key_id or None,
        aws_secret_access_key=how.secret_access_key or None,
        config=config,
    )


# User metadata on each object (x-amz-meta-sha256): what put_if_changed compares.
SHA256 = "sha256"


def _missing(exc: Exception) -> bool:
    code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


@dataclass(frozen=True)
class Bucket:
    bucket: str
    prefix: str = ""
    how: S3Client = field(default_factory=S3Client)

    @property
    def client(self) -> Any:
        return _client(self.how, os.getpid())

    def key(self, rel: str) -> str:
        return f"{self.prefix}{rel}"

    def put(self, rel: str, data: bytes) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self.key(rel), Body=data,
            ContentType=content_type(rel), CacheControl=cache_control(rel),
            # The bytes' own digest: an ETag is their MD5 only without KMS encryption.
            Metadata={SHA256: hashlib.sha256(data).hexdigest()},
        )

    def _head(self, rel: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.key(rel))
        except ClientError as exc:
            if _missing(exc):
                return None
            raise

    def put_if_changed(self, rel: str, data: bytes) -> bool:
        """Upload unless the object has these bytes and the headers it should have (a changed
        type or cache table is rolled out by the next write)."""
        head = self._head(rel)
        if (head is not None and head.get("Metadata", {}).get(SHA256) == hashlib.sha256(data).hexdigest()
                and head.get("ContentType") == content_type(rel) and head.get("CacheControl") == cache_control(rel)):
            return False
        self.put(rel, data)
        return True

    def read(self, rel: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(rel))
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        return answer["Body"].read()

    def exists(self, rel: str) -> bool:
        return self._head(rel) is not None

    def delete(self, rel: str) -> bool:
        # S3 answers a DELETE of a missing key with success: ask first, to report what went.
        if not self.exists(rel):
            return False
        self.client.delete_object(Bucket=self.bucket, Key=self.key(rel))
        return True

    def listing(self, under: str) -> Iterator[tuple[str, float]]:
        """(path, modification time) of the objects directly "in" ``under``."""
        for rel, mtime in self.matching(under.rstrip("/") + "/"):
            if "/" not in rel.removeprefix(under.rstrip("/") + "/"):
                yield rel, mtime

    def matching(self, start: str) -> Iterator[tuple[str, float]]:
        """(path, modification time) of every object whose path begins with ``start``."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.key(start))
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"].removeprefix(self.prefix), item["LastModified"].timestamp()

    def where(self, rel: str) -> PurePath:
        return ObjectPath("s3:", self.bucket, self.key(rel))


def parse_s3_url(url: str, how: S3Client) -> Bucket:
    """``s3://bucket/prefix`` as a Bucket whose keys start with ``prefix/``."""
    parts = urlsplit(url.strip())
    if parts.scheme != "s3" or not parts.netloc:
        raise ConfigError(f"{url!r}: an object storage location is s3://bucket or s3://bucket/prefix")
    prefix = parts.path.strip("/")
    return Bucket(parts.netloc, f"{prefix}/" if prefix else "", how)


def client_of(settings: Settings) -> S3Client:
    return S3Client(settings.s3_endpoint_url, settings.s3_region, settings.s3_access_key_id,
                    settings.s3_secret_access_key)


def output_of(settings: Settings) -> Folder | Bucket:
    """Where this newsroom publishes: its bucket when output_url is set, else output_dir."""
    if settings.output_url.strip():
        return parse_s3_url(settings.output_url, client_of(settings))
    return Folder(settings.output_dir)


def parts_of(settings: Settings) -> Bucket | None:
    """The bucket the parts of split articles wait in, None for the folder beside the cache."""
    if settings.parts_url.strip():
        return parse_s3_url(settings.parts_url, client_of(settings))
    return None


def as_destination(output: Path | Folder | Bucket) -> Folder | Bucket:
    """A plain path (what callers passed before buckets existed) is the folder it names."""
    return Folder(output) if isinstance(output, Path) else output


def move_out(dest: Folder | Bucket, rel: str, keep_in: Path | None) -> bool:
    """Take ``rel`` away from ``dest``: into the folder ``keep_in`` (for a restore) or gone.
    True when it was there."""
    if isinstance(dest, Folder):
        path = dest.root / rel
        if not path.exists():
            return False
        if keep_in is None:
            path.unlink()
        else:
            target = keep_in / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), str(target))
        return True
    if keep_in is not None:
        data = dest.read(rel)
        if data is None:
            return False
        # Kept on this machine's data_dir, never in the bucket: a public bucket would still
        # serve a withdrawn file under a guessable name.
        atomic_write(keep_in / rel, data)
    return dest.delete(rel)


def move_in(dest: Folder | Bucket, rel: str, kept_in: Path) -> bool:
    """Undo move_out; True when ``rel`` is in ``dest`` after it."""
    source = kept_in / rel
    if isinstance(dest, Folder):
        if source.exists():
            target = dest.root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(source), str(target))
        return dest.exists(rel)
    if source.exists():
        dest.put(rel, source.read_bytes())
        source.unlink()
    return dest.exists(rel)
