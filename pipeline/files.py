"""Files that readers may see at any moment: written whole or not at all (temp name, then
rename), rewritten only when their bytes change, and tagged with their writer so that the
temp files of a writer that died can be told apart and swept."""

from __future__ import annotations

import logging
import os
import re
import socket
import tempfile
import time
import zlib
from pathlib import Path

log = logging.getLogger("newsaudio.files")


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write only when the bytes differ, so servers keep their ETag and apps get 304s."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write(path, data)
    return True


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # The writer's tag (host, pid) lets a sweep remove the file if this process dies.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{writer_tag()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_HOST = f"{zlib.crc32(socket.gethostname().encode()):08x}"


_TMP = re.compile(r"^\..*\.([0-9a-f]{8})-(\d+)\.[^.]*\.tmp$")


def writer_tag() -> str:
    """Put into temp file names, so a sweep can tell a dead writer's file from a live one's."""
    return f"{_HOST}-{os.getpid()}"


def alive(pid: int) -> bool:
    """Whether process ``pid`` of this machine is running (one we may not signal is)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale_tmp(path: Path, older_than_s: float, now: float) -> bool:
    match = _TMP.match(path.name)
    if match and match.group(1) == _HOST and not alive(int(match.group(2))):
        return True
    try:
        return now - path.stat().st_mtime > older_than_s
    except FileNotFoundError:
        return False


def sweep_tmp(root: Path, older_than_s: float) -> list[Path]:
    """Remove temp files under ``root`` whose writer is gone or that are older than the limit."""
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    now = time.time()
    for path in root.rglob(".*.tmp"):
        if path.is_file() and _stale_tmp(path, older_than_s, now):
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        log.warning("removed %d stale temp files under %s", len(removed), root)
    return removed
