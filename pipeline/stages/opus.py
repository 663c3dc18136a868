"""A low-bandwidth Opus version of an episode, for listeners on slow or metered connections.

Made from the finished MP3 (the bytes listeners download, after mastering, tagging and signing):
the same mastered audio, and the same path whether the article was mastered whole or joined from
parts mastered in parallel, with no second mastering pass. ffmpeg's libopus, mono, in an Ogg
container (``audio/ogg; codecs=opus``: Chromium, Firefox, Safari 17+ and most podcast apps play
it). The MP3's ID3 tags and chapters are carried over as Ogg comments by ffmpeg.

Also the Subresource Integrity string (``sha384-<base64>``) that podcast:integrity carries.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess

import imageio_ffmpeg

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
OPUS_TYPE = "audio/ogg; codecs=opus"
# libopus' speech mode: at 16-24 kbit/s mono it keeps speech clearer than the music mode.
APPLICATION = "voip"


def encode_opus(mp3: bytes, kbps: int) -> bytes:
    """The MP3's audio as Ogg Opus at about ``kbps`` kbit/s (VBR), mono, 48 kHz (Opus' own rate)."""
    if kbps <= 0:
        raise ValueError("the Opus bitrate must be above 0 kbit/s")
    command = [FFMPEG, "-v", "error", "-nostdin", "-f", "mp3", "-i", "pipe:0", "-map", "0:a",
               "-map_metadata", "0", "-ac", "1", "-c:a", "libopus", "-b:a", f"{kbps}k",
               "-application", APPLICATION, "-f", "ogg", "pipe:1"]
    done = subprocess.run(command, input=mp3, capture_output=True)
    if done.returncode != 0 or not done.stdout:
        raise RuntimeError(f"ffmpeg could not encode the Opus version: {done.stderr.decode(errors='replace')[-500:]}")
    return done.stdout


def sri_sha384(data: bytes) -> str:
    """Subresource Integrity of ``data`` (W3C SRI): ``sha384-`` and the base64 of its SHA-384."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def bitrate_bps(size: int, duration_s: float) -> int:
    """The file's average bitrate in bits per second (what podcast:alternateEnclosure's
    ``bitrate`` says): Opus is VBR, so the file's own, not the one asked for."""
    return round(size * 8 / duration_s) if duration_s > 0 else 0
