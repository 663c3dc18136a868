"""Master spoken segments into one podcast MP3.

Segments are joined with their pauses, brought to -16 LUFS integrated (the podcast norm Apple
and Spotify recommend for spoken word) with true peak at or under -1 dBTP, and encoded as CBR
MP3, 44.1 kHz mono, by the ffmpeg/LAME that imageio-ffmpeg ships. ID3 tags via mutagen.
"""

from __future__ import annotations

import io
import subprocess
import warnings
from dataclasses import dataclass, field
from datetime import datetime

import imageio_ffmpeg
import numpy as np
import pyloudnorm
from mutagen.id3 import CHAP, CTOC, ID3, TALB, TDRC, TIT2, TPE1, WXXX, CTOCFlags
from mutagen.mp3 import MP3
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly

from pipeline.models import Chapter, Segment, Span

with warnings.catch_warnings():
    # pydub looks for "ffmpeg" on PATH at import; we point it at imageio-ffmpeg's binary instead.
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment

AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()

# Encode-time resampling and MP3's own overshoot can add a few tenths of a dB: aim below the
# ceiling so the encoded file still meets it.
_PEAK_MARGIN_DB = 0.7


@dataclass
class Tags:
    title: str
    artist: str
    album: str
    url: str = ""
    date: datetime | None = None


@dataclass
class Mastered:
    mp3: bytes
    duration_s: float
    loudness_lufs: float
    chapters: list[Chapter] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)  # one per segment, in the final audio's time


def join_segments(
    segments: list[Segment], pcm: list[np.ndarray], sample_rate: int
) -> tuple[np.ndarray, list[Chapter], list[Span]]:
    """Concatenate segment audio with each segment's pause after it.

    Chapters start at the first segment of the title and of each heading; their titles are the
    written form in full. Spans say where each segment is heard."""
    if len(segments) != len(pcm):
        raise ValueError(f"{len(segments)} segments but {len(pcm)} audio parts")
    parts: list[np.ndarray] = []
    starts: list[int] = []  # chapter starts, and the written sentences of each chapter's heading
    names: list[list[str]] = []
    spans: list[Span] = []
    position = 0
    previous: tuple[str, int] | None = None
    for seg, audio in zip(segments, pcm, strict=True):
        start_ms = position * 1000 // sample_rate
        first_of_block = previous != (seg.kind, seg.block)
        previous = (seg.kind, seg.block)
        if seg.kind in ("title", "heading") or (seg.kind == "lead" and not starts):
            if first_of_block:
                if starts and starts[-1] == start_ms:  # an empty heading before: this one wins
                    starts.pop(), names.pop()
                starts.append(start_ms)
                names.append([])
            if seg.kind != "lead" or len(names[-1]) == 0:
                names[-1].append(seg.written or seg.text)
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        parts.append(audio)
        spans.append(Span(start_ms, (position + len(audio)) * 1000 // sample_rate))
        pause = np.zeros(int(sample_rate * seg.pause_after_ms / 1000), dtype=np.float32)
        parts.append(pause)
        position += len(audio) + len(pause)
    chapters = [Chapter(title=" ".join(n), start_ms=s) for s, n in zip(starts, names, strict=True)]
    if not parts:
        return np.zeros(0, dtype=np.float32), chapters, spans
    return np.concatenate(parts), chapters, spans


def peak_envelope(x: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """|x| oversampled 4x (ITU-R BS.1770 true peak), folded back to one value per input sample.

    Worked in chunks so an hour of audio never needs four hours' worth of memory at once. With a
    ``floor``, chunks whose sample peak stays 3 dB under it are left at |x|: oversampling cannot
    lift a speech peak that far, and most of an article is far below the ceiling."""
    env = np.abs(x).astype(np.float32)
    chunk, pad = 1 << 16, 64
    for lo in range(0, x.size, chunk):
        hi = min(x.size, lo + chunk)
        if floor and env[lo:hi].max() < floor * 10 ** (-3 / 20):
            continue
        a, z = max(0, lo - pad), min(x.size, hi + pad)
        up = np.abs(resample_poly(x[a:z], 4, 1)).reshape(z - a, 4).max(axis=1)
        env[lo:hi] = np.maximum(env[lo:hi], up[lo - a : hi - a])
    return env


def true_peak_db(x: np.ndarray, at_least_db: float | None = None) -> float:
    """Peak of the 4x-oversampled signal in dBTP. With ``at_least_db``, exact only where the
    signal comes near that level (enough to tell whether a ceiling holds)."""
    if x.size == 0 or not np.any(x):
        return -np.inf
    floor = 10 ** (at_least_db / 20) if at_least_db is not None else 0.0
    return float(20 * np.log10(peak_envelope(x, floor).max()))


def _limiter_gain(env: np.ndarray, ceiling_db: float, sample_rate: int) -> np.ndarray:
    """Gain of a look-ahead peak limiter: it dips smoothly around the few peaks over the ceiling."""
    ceiling = 10 ** (ceiling_db / 20)
    gain = np.minimum(1.0, ceiling / np.maximum(env, 1e-9))
    if gain.min() >= 1.0:
        return gain
    # Hold every dip over +-5 ms, then smooth it, so the gain never jumps within a waveform period.
    win = max(1, int(sample_rate * 0.005))
    gain = minimum_filter1d(gain, size=2 * win + 1, mode="nearest")
    gain = uniform_filter1d(uniform_filter1d(gain, size=win + 1, mode="nearest"), size=win + 1, mode="nearest")
    return np.minimum(gain, 1.0)


def normalise(x: np.ndarray, sample_rate: int, target_lufs: float, ceiling_dbtp: float) -> np.ndarray:
    """Gain to the loudness target, then limit true peaks to the ceiling.

    The peak envelope is computed once: gain scales it exactly and the slow limiter gain scales it
    closely enough, and the encoded file is checked again anyway."""
    meter = pyloudnorm.Meter(sample_rate)
    if x.size < sample_rate // 2 or not np.any(x):
        return x
    ceiling = ceiling_dbtp - _PEAK_MARGIN_DB
    env = peak_envelope(x)
    total = np.ones(x.size, dtype=np.float32)
    y = x
    for _ in range(3):
        loudness = meter.integrated_loudness(y)
        if not np.isfinite(loudness):
            return y
        total *= np.float32(10 ** ((target_lufs - loudness) / 20))
        # Within 0.3 LU is well inside the +-1 LU that podcast platforms allow.
        if abs(target_lufs - loudness) < 0.3 and float((env * total).max()) <= 10 ** (ceiling / 20):
            break
        total *= _limiter_gain(env * total, ceiling, sample_rate).astype(np.float32)
        y = (x * total).astype(np.float32)
    return (x * total).astype(np.float32)


def encode_mp3(x: np.ndarray, sample_rate: int, *, out_rate: int, bitrate_kbps: int) -> bytes:
    pcm16 = (np.clip(x, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    seg = AudioSegment(data=pcm16, sample_width=2, frame_rate=sample_rate, channels=1)
    buf = io.BytesIO()
    # ffmpeg resamples (swresample) to the output rate; libmp3lame with -b:a is constant bitrate.
    seg.export(
        buf,
        format="mp3",
        codec="libmp3lame",
        bitrate=f"{bitrate_kbps}k",
        parameters=["-ar", str(out_rate), "-ac", "1"],
    )
    return buf.getvalue()


def write_tags(mp3: bytes, tags: Tags, chapters: list[Chapter], duration_ms: int) -> bytes:
    buf = io.BytesIO(mp3)
    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TPE1(encoding=3, text=tags.artist))
    id3.add(TALB(encoding=3, text=tags.album))
    if tags.date:
        id3.add(TDRC(encoding=3, text=tags.date.strftime("%Y-%m-%d")))
    if tags.url:
        id3.add(WXXX(encoding=3, desc="Article", url=tags.url))
    if chapters:
        ids = [f"chp{i}" for i in range(len(chapters))]
        id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                     sub_frames=[TIT2(encoding=3, text=tags.title)]))
        ends = [c.start_ms for c in chapters[1:]] + [duration_ms]
        for cid, chap, end in zip(ids, chapters, ends, strict=True):
            id3.add(CHAP(element_id=cid, start_time=chap.start_ms, end_time=end,
                         sub_frames=[TIT2(encoding=3, text=chap.title)]))
    id3.save(buf, v2_version=3)
    return buf.getvalue()


def master(
    segments: list[Segment],
    pcm: list[np.ndarray],
    sample_rate: int,
    tags: Tags,
    *,
    target_lufs: float = -16.0,
    true_peak_dbtp: float = -1.0,
    out_rate: int = 44100,
    bitrate_kbps: int = 96,
) -> Mastered:
    joined, chapters, spans = join_segments(segments, pcm, sample_rate)
    if joined.size == 0:
        raise ValueError("nothing to master: the script produced no audio")
    leveled = normalise(joined, sample_rate, target_lufs, true_peak_dbtp)
    mp3 = encode_mp3(leveled, sample_rate, out_rate=out_rate, bitrate_kbps=bitrate_kbps)
    # MP3 coding adds its own overshoot, so the ceiling is checked on what a listener decodes.
    for _ in range(2):
        excess = true_peak_db(decode_mp3(mp3)[0], at_least_db=true_peak_dbtp) - true_peak_dbtp
        if excess <= 0:
            break
        env = peak_envelope(leveled)
        gain = _limiter_gain(env, float(20 * np.log10(env.max())) - excess - 0.2, sample_rate)
        leveled = (leveled * gain).astype(np.float32)
        mp3 = encode_mp3(leveled, sample_rate, out_rate=out_rate, bitrate_kbps=bitrate_kbps)
    duration_s = MP3(io.BytesIO(mp3)).info.length
    mp3 = write_tags(mp3, tags, chapters, int(duration_s * 1000))
    meter = pyloudnorm.Meter(sample_rate)
    return Mastered(
        mp3=mp3,
        duration_s=duration_s,
        loudness_lufs=float(meter.integrated_loudness(leveled)),
        chapters=chapters,
        spans=spans,
    )


def decode_mp3(data: bytes) -> tuple[np.ndarray, int]:
    """Decode MP3 bytes to float32 mono; used to check what a listener actually gets."""
    # pydub's decoder needs ffprobe, which imageio-ffmpeg does not ship: ask ffmpeg directly.
    info = MP3(io.BytesIO(data)).info
    out = subprocess.run(
        [AudioSegment.converter, "-v", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1", "pipe:1"],
        input=data, capture_output=True, check=True,
    ).stdout
    return np.frombuffer(out, dtype="<i2").astype(np.float32) / 32768.0, int(info.sample_rate)
