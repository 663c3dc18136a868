"""Master spoken segments into one podcast MP3, streaming.

Segments are joined with their pauses, brought to -16 LUFS integrated (the podcast norm Apple
and Spotify recommend for spoken word) with true peak at or under -1 dBTP, and encoded as CBR
MP3, 44.1 kHz mono, by the ffmpeg/LAME that imageio-ffmpeg ships. ID3 tags via mutagen.

Memory does not grow with the article: a first pass over the segments measures loudness
(streaming BS.1770), a second gains, limits and pipes 3-second chunks into ffmpeg. No
full-length intermediate signal exists; only the MP3 does.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TDRC, TIT2, TPE1, TXXX, WXXX, CTOCFlags
from mutagen.mp3 import MP3
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from pipeline.models import Chapter, Segment, Span
from pipeline.stages.loudness import (
    FIR_REACH,
    LoudnessMeter,
    gated_loudness,
    integrated_loudness,
    peak_envelope,
    true_peak_db,
)

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()

# Encode-time resampling and MP3's own overshoot can add a few tenths of a dB: aim below the
# ceiling so the encoded file still meets it (measured in `make bench-scale`).
_PEAK_MARGIN_DB = 0.7
# The limiter looks ahead ATTACK to ramp down before a peak, holds the reduction HOLD after it
# (so the gain does not flutter between the peaks of one syllable), then ramps back over ATTACK.
ATTACK_S = 0.005
HOLD_S = 0.050
# Inter-sample peaks of speech stay well within 3 dB of the sample peak: samples further below
# the ceiling need no oversampling.
_OVERSHOOT_DB = 3.0
# The whole article is encoded again only when it missed the target by more than this (the
# probe it was aimed on was unlike it); the probe itself is aimed much closer.
_LOUDNESS_TOLERANCE_LU = 0.3
_AIM_TOLERANCE_LU = 0.05
_AIM_STEPS = 6
_AIM_RANGE_DB = 12.0
_CODING_CHECKS = 3
# The probe's decoded peak must stay this far under the ceiling, else the limiter aims lower.
_PEAK_GUARD_DB = 0.2
# A probe measuring more than this is not measuring coding loss: ignore the excess.
_MAX_CODING_LOSS_LU = 1.5
_PROBE_CHUNKS = 5  # 15 s of the article, spread over it
# LAME at 96 kbps takes 0.42-0.46 LU from espeak's speech (measured in `make bench-scale`).
_TYPICAL_CODING_LU = 0.45
# A coding loss within this of the one aimed with is confirmed: it moves the result by as much,
# far inside the +-0.5 LU promise, and saves a second aim and encode of the probe.
_CODING_TOLERANCE_LU = 0.1
CHUNK_HOPS = 30  # 3 s chunks: whole 100 ms loudness hops
# Samples per step of the limiter's gain (0.7 ms at 22.05 kHz). It divides every chunk (30 hops
# of a tenth of a second at any whole-hundred rate), so chunks share one block grid.
_BLOCK = 15

__all__ = ["Mastered", "Tags", "master", "decode_mp3", "true_peak_db", "write_tags"]


@dataclass
class Tags:
    title: str
    artist: str
    album: str
    url: str = ""
    date: datetime | None = None
    # Synthetic speech, said in the file itself: ``comment`` (COMM, e.g. "Dieser Beitrag wird
    # von einer künstlichen Stimme vorgelesen. Synthetische Stimme: ...") and ``synthetic_voice``
    # (TXXX:AI_GENERATED and TXXX:SYNTHETIC_VOICE, for machines). Empty: no such frames.
    comment: str = ""
    synthetic_voice: str = ""
    comment_language: str = "deu"  # ISO 639-2, as COMM wants it


@dataclass
class Mastered:
    mp3: bytes
    duration_s: float
    loudness_lufs: float
    chapters: list[Chapter] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)  # one per segment, in the final audio's time


def _timeline(
    segments: list[Segment], sizes: Sequence[int], sample_rate: int
) -> tuple[list[Chapter], list[Span], int]:
    """Chapters, spans and total length in samples of the joined audio, without joining it.

    Chapters start at the first segment of the title and of each heading; their titles are the
    written form in full. Spans say where each segment is heard."""
    if len(segments) != len(sizes):
        raise ValueError(f"{len(segments)} segments but {len(sizes)} audio parts")
    starts: list[int] = []  # chapter starts, and the written sentences of each chapter's heading
    names: list[list[str]] = []
    spans: list[Span] = []
    position = 0
    previous: tuple[str, int] | None = None
    for seg, size in zip(segments, sizes, strict=True):
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
        spans.append(Span(start_ms, (position + size) * 1000 // sample_rate))
        position += size + _pause(seg, sample_rate)
    chapters = [Chapter(title=" ".join(n), start_ms=s) for s, n in zip(starts, names, strict=True)]
    return chapters, spans, position


def _pause(seg: Segment, sample_rate: int) -> int:
    return int(sample_rate * seg.pause_after_ms / 1000)


def _pieces(segments: list[Segment], pcm: Sequence[np.ndarray], sample_rate: int) -> Iterator[np.ndarray]:
    """The joined signal piece by piece: each segment's audio, then its pause."""
    for seg, audio in zip(segments, pcm, strict=True):
        yield np.asarray(audio, dtype=np.float32).reshape(-1)
        pause = _pause(seg, sample_rate)
        if pause:
            yield np.zeros(pause, dtype=np.float32)


def _chunks(pieces: Iterator[np.ndarray], size: int) -> Iterator[np.ndarray]:
    """Re-cut pieces into chunks of exactly ``size`` samples (the last one shorter)."""
    buf = np.empty(size, dtype=np.float32)
    filled = 0
    for piece in pieces:
        at = 0
        while at < piece.size:
            take = min(size - filled, piece.size - at)
            buf[filled : filled + take] = piece[at : at + take]
            filled += take
            at += take
            if filled == size:
                yield buf
                buf, filled = np.empty(size, dtype=np.float32), 0
    if filled:
        yield buf[:filled]


def limiter_gain(env: np.ndarray, ceiling: float, sample_rate: int) -> np.ndarray:
    """Gain of a look-ahead peak limiter for a true-peak envelope: 1 except around the peaks that
    would pass ``ceiling`` (linear), where it ramps down over ATTACK_S before the peak, holds for
    HOLD_S and ramps back over ATTACK_S. Never above the gain a peak needs at that peak.

    Worked out per block of _BLOCK samples (the gain moves over milliseconds, not samples) and
    interpolated between block centres; the hold reaches one block further so that both blocks
    a sample is interpolated between already hold its dip."""
    n = env.size
    blocks = -(-n // _BLOCK)
    padded = np.zeros(blocks * _BLOCK, dtype=np.float32)
    padded[:n] = env
    need = np.minimum(1.0, ceiling / np.maximum(padded.reshape(blocks, _BLOCK).max(axis=1), 1e-9))
    if need.min() >= 1.0:
        return np.ones(n, dtype=np.float32)
    attack = max(2, round(sample_rate * ATTACK_S / _BLOCK))
    hold = max(1, round(sample_rate * HOLD_S / _BLOCK))
    size = hold + attack + 2
    held = minimum_filter1d(need, size, mode="nearest", origin=hold - size // 2)  # over [k-hold, k+attack+1]
    # Two trailing boxes over [k - attack, k] in all: every value averaged already holds the dip
    # of a peak at k (and k+1), and the ramp is an S-curve, not a corner.
    for length in (attack // 2 + 1, attack - attack // 2 + 1):
        held = uniform_filter1d(held, length, mode="nearest", origin=(length - 1) - length // 2)
    held = np.minimum(held, 1.0)
    centres = np.arange(blocks) * _BLOCK + (_BLOCK - 1) / 2
    # Most of speech is not limited: interpolate only within a block of a block that dips.
    dips = np.convolve(held < 1.0, np.ones(3, dtype=bool), mode="same")
    where = np.flatnonzero(np.repeat(dips, _BLOCK)[:n])
    gain = np.ones(n, dtype=np.float32)
    gain[where] = np.interp(where.astype(np.float64), centres, held)
    return gain


def _context(sample_rate: int) -> int:
    """Samples of context either side of a chunk that make chunked limiting exact."""
    reach = int(sample_rate * HOLD_S) + 2 * int(sample_rate * ATTACK_S) + FIR_REACH + 4 * _BLOCK
    return -(-reach // _BLOCK) * _BLOCK


def _level(
    chunks: Iterator[np.ndarray], gain: float, sample_rate: int, ceiling_db: float,
    write: Callable[[bytes], object] | None,
) -> float:
    """Gain and limit every chunk to ``ceiling_db`` (dBTP of the PCM), ``write`` it as 16-bit PCM
    unless this is a dry run to find the gain, and return the loudness that gives."""
    ceiling = 10 ** (ceiling_db / 20)
    floor = ceiling * 10 ** (-_OVERSHOOT_DB / 20)
    pad = _context(sample_rate)
    meter = LoudnessMeter(sample_rate)
    stream = iter(chunks)
    ahead = next(stream, None)
    previous = np.zeros(0, dtype=np.float32)
    while ahead is not None:
        current, ahead = ahead, next(stream, None)
        following = ahead[:pad] if ahead is not None else np.zeros(0, dtype=np.float32)
        tail = previous[-pad:]
        # The limiter sees `pad` samples either side, so chunked limiting equals limiting the whole.
        ext = np.concatenate((tail, current, following)) * np.float32(gain)
        out = ext[tail.size : tail.size + current.size]
        if float(np.abs(ext).max()) >= floor:
            g = limiter_gain(peak_envelope(ext, floor), ceiling, sample_rate)[tail.size : tail.size + current.size]
            if g.min() < 1.0:
                out = out * g
        meter.add(out)
        if write is not None:
            write((np.clip(out, -1.0, 1.0) * 32767).astype("<i2").tobytes())
        previous = current
    return meter.integrated()


@dataclass
class _Encoder:
    """ffmpeg resamples (swresample) to the output rate; libmp3lame with -b:a is constant
    bitrate; ``quality`` is LAME's -q (0 best .. 9 fastest), chosen from the table that
    ``make bench-scale`` prints."""

    sample_rate: int
    out_rate: int
    bitrate_kbps: int
    quality: int

    def command(self, target: str) -> list[str]:
        return [FFMPEG, "-v", "error", "-nostdin", "-f", "s16le", "-ar", str(self.sample_rate), "-ac", "1",
                "-i", "pipe:0", "-ar", str(self.out_rate), "-ac", "1", "-c:a", "libmp3lame",
                "-b:a", f"{self.bitrate_kbps}k", "-compression_level", str(self.quality), "-f", "mp3", "-y", target]

    @contextlib.contextmanager
    def to_file(self, path: Path) -> Iterator[Callable[[bytes], object]]:
        """Yields a function that feeds PCM to the encoder; the MP3 is complete on exit."""
        proc = subprocess.Popen(self.command(str(path)), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        assert proc.stdin is not None and proc.stderr is not None
        # A pipe holds 64 KB by default: each 3-second chunk would cost several round trips
        # between us and ffmpeg (measured: a fifth of mastering's own CPU). Ask for 1 MB.
        with contextlib.suppress(OSError, AttributeError):
            fcntl.fcntl(proc.stdin.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
        broken = False
        try:
            yield proc.stdin.write
        except BrokenPipeError:
            broken = True  # ffmpeg stopped reading: its own message says why
        finally:
            with contextlib.suppress(OSError):
                proc.stdin.close()
            errors = proc.stderr.read().decode(errors="replace")
            proc.wait()
        if proc.returncode != 0 or broken:
            raise RuntimeError(f"ffmpeg could not encode the MP3: {errors.strip()[-500:]}")

    def coding(self, chunks: list[np.ndarray], gain: float, ceiling_db: float) -> tuple[float, float]:
        """Encode and decode a few leveled chunks: (loudness the coding took, in LU; true peak
        of the decoded MP3, in dBTP)."""
        pcm: list[bytes] = []
        before = _level(iter(chunks), gain, self.sample_rate, ceiling_db, pcm.append)
        encoded = subprocess.run(self.command("pipe:1"), input=b"".join(pcm), capture_output=True)
        if encoded.returncode != 0:
            raise RuntimeError(f"ffmpeg could not encode the MP3: {encoded.stderr.decode(errors='replace')[-500:]}")
        decoded, rate = decode_mp3(encoded.stdout)
        after = integrated_loudness([decoded], rate)
        loss = before - after if np.isfinite(before) and np.isfinite(after) else 0.0
        return float(np.clip(loss, -_MAX_CODING_LOSS_LU, _MAX_CODING_LOSS_LU)), true_peak_db(decoded)


@dataclass
class _Profile:
    """Per 100 ms hop: K-weighted energy and sample peak. Enough to predict, for any gain, the
    loudness after limiting (a hop whose peak passes the ceiling is turned down to it)."""

    energy: np.ndarray
    peak: np.ndarray
    hop: int

    @classmethod
    def of(cls, chunks: Iterable[np.ndarray], sample_rate: int) -> _Profile:
        meter = LoudnessMeter(sample_rate)
        peaks = []
        for chunk in chunks:
            meter.add(chunk)
            whole = chunk.size // meter.hop * meter.hop
            peaks.append(np.abs(chunk[:whole]).reshape(-1, meter.hop).max(axis=1))
        energy = meter.hop_energies()
        return cls(energy, np.concatenate(peaks)[: energy.size] if peaks else np.zeros(0), meter.hop)

    def predict(self, gain_db: float, ceiling_db: float) -> float:
        gain = 10 ** (gain_db / 20)
        turn = np.minimum(1.0, 10 ** (ceiling_db / 20) / np.maximum(self.peak * gain, 1e-12))
        return gated_loudness(self.energy * (gain * turn) ** 2, self.hop)


def _aim_gain(
    article: _Profile, probe: list[np.ndarray], model: _Profile, aim: float, start: float, sample_rate: int,
    ceiling_db: float,
) -> float:
    """Gain for the article to measure ``aim`` after limiting. The real limiter runs on the
    probe; the hop model says how the article differs from the probe (more or fewer peaks over
    the ceiling). Secant steps on seconds of audio: a dB of gain buys less than a LU when the
    limiter works hard. ``model`` is the probe's own profile."""

    def miss(gain_db: float) -> float:
        real = _level(iter(probe), 10 ** (gain_db / 20), sample_rate, ceiling_db, None)
        return real + article.predict(gain_db, ceiling_db) - model.predict(gain_db, ceiling_db) - aim

    gain_db = 20 * float(np.log10(start))
    low, high = gain_db - _AIM_RANGE_DB, gain_db + _AIM_RANGE_DB
    tried: list[tuple[float, float]] = []
    for _ in range(_AIM_STEPS):
        off = miss(gain_db)
        if not np.isfinite(off):
            break
        tried.append((gain_db, off))
        if abs(off) <= _AIM_TOLERANCE_LU:
            break
        slope = 1.0
        if len(tried) > 1 and tried[-1][0] != tried[-2][0]:
            slope = float(np.clip((tried[-1][1] - tried[-2][1]) / (tried[-1][0] - tried[-2][0]), 0.2, 1.5))
        # A voice too peaky for the target at this ceiling gains nothing from more gain: stay
        # within a sane range of the plain loudness lift and take the closest.
        gain_db = float(np.clip(gain_db - off / slope, low, high))
    best = min(tried, key=lambda t: abs(t[1]))[0] if tried else gain_db
    return 10 ** (best / 20)


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
    if tags.comment:
        id3.add(COMM(encoding=3, lang=tags.comment_language[:3].ljust(3, "x"), desc="", text=tags.comment))
    if tags.synthetic_voice:
        id3.add(TXXX(encoding=3, desc="AI_GENERATED", text="synthetic speech (text-to-speech)"))
        id3.add(TXXX(encoding=3, desc="SYNTHETIC_VOICE", text=tags.synthetic_voice))
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
    pcm: Sequence[np.ndarray],
    sample_rate: int,
    tags: Tags | None,
    *,
    target_lufs: float = -16.0,
    true_peak_dbtp: float = -1.0,
    out_rate: int = 44100,
    bitrate_kbps: int = 96,
    mp3_quality: int = 7,
    sizes: Sequence[int] | None = None,
) -> Mastered:
    """``pcm`` is read twice, segment by segment (any sequence: a list, or one that loads each
    segment when asked); nothing the length of the article is built besides the MP3. Without
    ``tags`` the MP3 is bare frames (a part that pipeline/fragments.py joins and tags later).
    ``sizes`` (samples per segment), when the caller knows them, spare a read of ``pcm``."""
    if sizes is None:
        sizes = [int(np.size(audio)) for audio in pcm]
    chapters, spans, total = _timeline(segments, sizes, sample_rate)
    if total == 0:
        raise ValueError("nothing to master: the script produced no audio")
    size = CHUNK_HOPS * LoudnessMeter(sample_rate).hop
    count = -(-total // size)
    spread = np.linspace(0, count - 1, _PROBE_CHUNKS + 2)[1:-1].round().astype(int)
    wanted = set(spread.tolist()) if count > _PROBE_CHUNKS else set(range(count))
    probe: list[np.ndarray] = []

    def sampled() -> Iterator[np.ndarray]:
        for index, chunk in enumerate(_chunks(_pieces(segments, pcm, sample_rate), size)):
            if index in wanted:
                probe.append(chunk)
            yield chunk

    article = _Profile.of(sampled(), sample_rate)
    model = _Profile.of(probe, sample_rate)
    loudness = gated_loudness(article.energy, article.hop)
    ceiling_db = true_peak_dbtp - _PEAK_MARGIN_DB
    encoder = _Encoder(sample_rate, out_rate, bitrate_kbps, mp3_quality)
    gain, coding_lu = 1.0, 0.0
    if np.isfinite(loudness):
        # Aim with a model of the limiter, corrected on seconds of the article (the probe). Then
        # learn from the probe what resampling and MP3 coding take (some high-frequency energy)
        # and add (a little overshoot), and aim again.
        # Aimed first with the loss coding typically takes from speech, so one check usually
        # confirms it. (Not the loss seen last: the same input must give the same MP3.)
        aimed_lu = _TYPICAL_CODING_LU  # the loss the gain is aimed with
        start = 10 ** ((target_lufs + aimed_lu - loudness) / 20)
        gain = _aim_gain(article, probe, model, target_lufs + aimed_lu, start, sample_rate, ceiling_db)
        for _ in range(_CODING_CHECKS):
            coding_lu, peak = encoder.coding(probe, gain, ceiling_db)
            over = peak - (true_peak_dbtp - _PEAK_GUARD_DB)
            if abs(coding_lu - aimed_lu) <= _CODING_TOLERANCE_LU and over <= 0:
                break
            ceiling_db -= max(0.0, over)
            gain = _aim_gain(article, probe, model, target_lufs + coding_lu, gain, sample_rate, ceiling_db)
            aimed_lu = coding_lu

    def encode(gain: float, path: Path) -> float:
        with encoder.to_file(path) as write:
            return _level(_chunks(_pieces(segments, pcm, sample_rate), size), gain, sample_rate, ceiling_db, write)

    with tempfile.TemporaryDirectory(prefix="newsaudio-master-") as tmp:
        path = Path(tmp) / "out.mp3"
        result = encode(gain, path)
        miss = target_lufs + coding_lu - result
        # The probe was not like the article (rare: it samples five places): encode once more.
        if np.isfinite(result) and np.isfinite(loudness) and abs(miss) > _LOUDNESS_TOLERANCE_LU:
            result = encode(gain * 10 ** (miss / 20), path)
        mp3 = path.read_bytes()
    duration_s = MP3(io.BytesIO(mp3)).info.length
    if tags is not None:
        mp3 = write_tags(mp3, tags, chapters, int(duration_s * 1000))
    return Mastered(mp3=mp3, duration_s=duration_s, loudness_lufs=result - coding_lu, chapters=chapters,
                    spans=spans)


def decode_mp3(data: bytes) -> tuple[np.ndarray, int]:
    """Decode MP3 bytes to float32 mono; used to check what a listener actually gets."""
    info = MP3(io.BytesIO(data)).info
    out = subprocess.run(
        [FFMPEG, "-v", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1", "pipe:1"],
        input=data, capture_output=True, check=True,
    ).stdout
    return np.frombuffer(out, dtype="<i2").astype(np.float32) / 32768.0, int(info.sample_rate)
