"""Loudness and true peak, measured as audio streams past (ITU-R BS.1770 / EBU R 128).

Mastering an hour of speech must not hold an hour of intermediate signals: the meter keeps the
K-weighting filter's state and one mean square per 100 ms, the true-peak envelope needs only a
few samples of context either side of each chunk.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pyloudnorm
from scipy.ndimage import maximum_filter1d
from scipy.signal import firwin, sosfilt

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
OVERSAMPLE = 4
# Polyphase taps of the 4x interpolation filter, and how many input samples it looks either way.
FIR_TAPS = 49
FIR_REACH = FIR_TAPS // OVERSAMPLE + 1
_NO_SUBNORMALS = np.float32(1e-20)


@lru_cache(maxsize=8)
def _k_weighting(sample_rate: int) -> tuple[np.ndarray, float]:
    """The two K-weighting biquads (pyloudnorm's coefficients) as one second-order-section array."""
    shelf = pyloudnorm.IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, sample_rate, "high_shelf")
    highpass = pyloudnorm.IIRfilter(0.0, 0.5, 38.0, sample_rate, "high_pass")
    sos = np.array([np.concatenate([f.b, f.a]) / f.a[0] for f in (shelf, highpass)])
    return sos, shelf.passband_gain * highpass.passband_gain


class LoudnessMeter:
    """Integrated loudness of a mono signal fed in pieces of any size: 400 ms blocks every
    100 ms, absolute gate -70 LUFS, relative gate -10 LU (BS.1770-4)."""

    def __init__(self, sample_rate: int) -> None:
        sos, self.gain = _k_weighting(sample_rate)
        # float32 filtering is 3x faster and far more precise than a loudness reading needs.
        self.sos = sos.astype(np.float32)
        self.zi = np.zeros((sos.shape[0], 2), dtype=np.float32)
        self.hop = int(round(0.1 * sample_rate))
        self.partial = 0.0  # squared sum of the unfinished hop
        self.filled = 0  # samples in it
        self.hops: list[np.ndarray] = []

    def add(self, x: np.ndarray) -> None:
        if x.size == 0:
            return
        # The offset keeps the filter out of subnormal numbers: in a pause its state decays
        # towards zero, and arithmetic on subnormals is ~20x slower (measured: 150 ms instead of
        # 8 ms per minute of speech). Its energy (1e-40) is far below the -70 LUFS gate.
        y, self.zi = sosfilt(self.sos, np.asarray(x, dtype=np.float32) + _NO_SUBNORMALS, zi=self.zi)
        sq = np.square(y, dtype=np.float64) * self.gain**2
        head = min(sq.size, self.hop - self.filled)
        self.partial += float(sq[:head].sum())
        self.filled += head
        if self.filled < self.hop:
            return
        rest = sq[head:]
        whole = rest.size // self.hop
        sums = rest[: whole * self.hop].reshape(whole, self.hop).sum(axis=1)
        self.hops.append(np.concatenate(([self.partial], sums)))
        tail = rest[whole * self.hop :]
        self.partial, self.filled = float(tail.sum()), tail.size

    def hop_energies(self) -> np.ndarray:
        """Sum of squared K-weighted samples of every whole 100 ms hop so far."""
        return np.concatenate(self.hops) if self.hops else np.zeros(0)

    def integrated(self) -> float:
        """-inf for silence or less than one 400 ms block."""
        return gated_loudness(self.hop_energies(), self.hop)


def gated_loudness(hops: np.ndarray, hop: int) -> float:
    """Integrated loudness from the K-weighted energy of consecutive 100 ms hops."""
    if hops.size < 4:
        return float("-inf")
    window = np.cumsum(np.concatenate(([0.0], hops)))
    z = (window[4:] - window[:-4]) / (4 * hop)  # mean square of each 400 ms block
    with np.errstate(divide="ignore"):
        blocks = -0.691 + 10 * np.log10(z)
    gated = z[blocks >= ABSOLUTE_GATE_LUFS]
    if gated.size == 0:
        return float("-inf")
    relative = -0.691 + 10 * np.log10(gated.mean()) + RELATIVE_GATE_LU
    kept = z[(blocks > relative) & (blocks >= ABSOLUTE_GATE_LUFS)]
    if kept.size == 0:
        return float("-inf")
    return float(-0.691 + 10 * np.log10(kept.mean()))


def integrated_loudness(pieces: Iterable[np.ndarray], sample_rate: int) -> float:
    meter = LoudnessMeter(sample_rate)
    for piece in pieces:
        meter.add(piece)
    return meter.integrated()


@lru_cache(maxsize=1)
def _phases() -> np.ndarray:
    """The 4x interpolation filter's three in-between phases (rows). A windowed sinc with an odd
    length and its cutoff at the input's Nyquist is zero at every 4th tap from its centre, so
    the fourth phase is the input sample itself and costs nothing."""
    taps = firwin(FIR_TAPS, 1.0 / OVERSAMPLE, window=("kaiser", 8.0)) * OVERSAMPLE
    padded = np.concatenate([taps, np.zeros(-len(taps) % OVERSAMPLE)])
    phases = padded.reshape(-1, OVERSAMPLE).T
    return phases[1:].astype(np.float32).copy()


def peak_envelope(x: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """Per input sample, the largest magnitude of the 4x-oversampled signal around it (the
    ITU-R BS.1770 true-peak meter, without the final max). The first and last FIR_REACH
    samples see zeros beyond the edge: callers pass that much context when they chunk.

    With a ``floor``, the oversampled values are worked out only within the filter's reach of
    a sample at or above it; elsewhere the envelope is the sample magnitude. Inter-sample peaks
    stay within a few dB of the samples around them, so a caller that only cares where the
    envelope passes a ceiling a few dB above ``floor`` loses nothing, and leveled speech has
    few such samples: most of the filtering is skipped."""
    x = np.asarray(x, dtype=np.float32)
    env = np.abs(x)
    delay = (FIR_TAPS - 1) // (2 * OVERSAMPLE)  # the filter's group delay, in input samples
    if floor <= 0.0:
        for phase in _phases():
            y = np.convolve(x, phase)[delay : delay + x.size]
            np.maximum(env, np.abs(y), out=env)
        return env
    hot = (env >= floor).view(np.uint8)
    if not hot.any():
        return env
    near = np.flatnonzero(maximum_filter1d(hot, 2 * FIR_REACH + 1))
    phases = _phases()
    taps = phases.shape[1]
    # y[i] = sum_j phase[j] * x[i + delay - j], for the chosen i only: one gathered column per
    # tap, multiplied and added in place (faster than a gathered matrix at any density, and a
    # BLAS product would start threads that spin after each call).
    xp = np.concatenate((np.zeros(taps - 1, np.float32), x, np.zeros(taps, np.float32)))
    start = near + delay + taps - 1
    columns = [xp[start - j] for j in range(taps)]
    between = np.zeros(near.size, dtype=np.float32)
    for phase in phases:
        acc = columns[0] * phase[0]
        for j in range(1, taps):
            acc += columns[j] * phase[j]
        np.maximum(between, np.abs(acc, out=acc), out=between)
    env[near] = np.maximum(env[near], between)
    return env


def true_peak_db(x: np.ndarray, chunk: int = 1 << 18) -> float:
    """Peak of the 4x-oversampled signal in dBTP, computed in chunks."""
    x = np.asarray(x, dtype=np.float32).reshape(-1)
    peak = 0.0
    for lo in range(0, x.size, chunk):
        a, z = max(0, lo - FIR_REACH), min(x.size, lo + chunk + FIR_REACH)
        peak = max(peak, float(peak_envelope(x[a:z]).max()))
    return 20 * float(np.log10(peak)) if peak > 0 else float("-inf")
