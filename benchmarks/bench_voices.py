"""Voices benchmark: speed, load time and memory per engine; pipeline overhead; edit regeneration;
torch vs ONNX vs ONNX int8 for a Thorsten-size VITS.

Run: .venv/bin/python benchmarks/bench_voices.py [--quick]
Models have random weights (nothing can be downloaded here) but the real architectures:
"thorsten-size" is Coqui's VITS with the defaults tts_models/de/thorsten/vits uses. RTF is
synthesis time / audio time on one thread (one worker process per core), so it is "per core".
Each engine is measured in a fresh process so its load time and peak memory are its own.
Random weights make the duration predictor emit about one frame per token, so a random VITS
speaks a text faster than Thorsten would; its RTF is therefore an upper bound for the real voice.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

TEXT = (
    "Die Bundesregierung hat am Mittwoch ein neues Gesetz zum Ausbau der Windenergie beschlossen. "
    "Umweltverbände begrüßten den Schritt, kritisierten aber die langen Genehmigungsverfahren."
)
ARTICLE = [
    f"Satz {word}: Die Stadtverwaltung meldet neue Zahlen zum öffentlichen Nahverkehr in der Region."
    for word in (
        "eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn fünfzehn "
        "sechzehn siebzehn achtzehn neunzehn zwanzig einundzwanzig zweiundzwanzig dreiundzwanzig "
        "vierundzwanzig fünfundzwanzig sechsundzwanzig siebenundzwanzig achtundzwanzig "
        "neunundzwanzig dreißig"
    ).split()
]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settings(work: Path):
    from pipeline.config import Settings

    return Settings(voices_dir=work / "profiles", data_dir=work / "data")


def _measure_engine(args: tuple[str, str, int]) -> dict:
    """In a fresh process: load the profile, synthesise TEXT ``reps`` times, report."""
    work, profile, reps = Path(args[0]), args[1], args[2]
    warnings.filterwarnings("ignore")
    os.environ["TTS_HOME"] = str(work / "tts-home")
    from voices import load_voice

    base = _peak_mb()
    t0 = time.perf_counter()
    voice = load_voice(profile, _settings(work))
    load_s = time.perf_counter() - t0
    assert not voice.is_fallback, voice.fallback_reason
    voice.synthesize("Guten Tag.")  # first-call setup is not steady-state speed
    wall = cpu = 0.0
    samples = 0
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        pcm = voice.synthesize(TEXT)
        wall += time.perf_counter() - w0
        cpu += time.process_time() - c0
        samples += len(pcm)
    audio_s = samples / voice.sample_rate
    return {
        "profile": profile, "engine": voice.engine, "load_s": load_s, "rtf_wall": wall / audio_s,
        "rtf_cpu": cpu / audio_s, "audio_s": audio_s / reps, "peak_mb": _peak_mb(), "python_mb": base,
    }


def _in_fresh_process(fn, *args):
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, args)


def prepare(work: Path) -> None:
    """Random-weight models in Coqui's layout, their ONNX exports and profiles for them."""
    warnings.filterwarnings("ignore")
    os.environ["TTS_HOME"] = str(work / "tts-home")
    from voices.engines.random_vits import build_vits
    from voices.manage import export_onnx, quantize_onnx

    build_vits(work / "tts-home" / "tts" / "tts_models--de--thorsten--vits", size="thorsten")
    build_vits(work / "tiny", size="tiny")
    prof = work / "profiles"
    prof.mkdir(parents=True, exist_ok=True)
    (prof / "tiny.toml").write_text(f'name = "tiny"\nengine = "coqui"\nmodel = "{work / "tiny"}"\nfallback = ""\n')
    for name, onnx in (("thorsten-onnx", "default.onnx"), ("thorsten-int8", "default-int8.onnx")):
        (prof / f"{name}.toml").write_text(f'name = "{name}"\nengine = "piper"\nmodel = "{onnx}"\nfallback = ""\n')
    settings = _settings(work)
    out = export_onnx("default", settings)
    quantize_onnx(out, out.with_name("default-int8.onnx"))


def _snr_db(ref: np.ndarray, got: np.ndarray) -> float:
    n = min(len(ref), len(got))
    noise = np.sum((ref[:n] - got[:n]) ** 2) + np.sum(ref[n:] ** 2) + np.sum(got[n:] ** 2)
    return float(10 * np.log10(np.sum(ref**2) / max(noise, 1e-20)))


def _torch_vs_onnx(work_s: str) -> dict:
    """Thorsten-size VITS, noise off so outputs are comparable: torch vs ONNX vs int8."""
    warnings.filterwarnings("ignore")
    work = Path(work_s)
    os.environ["TTS_HOME"] = str(work / "tts-home")
    import torch

    from voices import load_voice

    settings = _settings(work)
    # "default" with its ONNX twin beside it runs on onnxruntime (voice_runtime = "onnx", the
    # shipped default): the torch row must ask for torch, or it measures ONNX twice.
    as_torch = dataclasses.replace(settings, voice_runtime="torch")
    torch_voice = load_voice("default", as_torch)
    assert type(torch_voice).__name__ == "CoquiVoice", f"torch row got {type(torch_voice).__name__}"
    model = torch_voice.model
    model.inference_noise_scale = model.inference_noise_scale_dp = 0.0
    onnx_voice, int8_voice = load_voice("thorsten-onnx", settings), load_voice("thorsten-int8", settings)
    ids = onnx_voice.ids(TEXT)
    scales = np.array([0.0, 1.0, 0.0], dtype=np.float32)

    def run_torch() -> np.ndarray:
        with torch.inference_mode():
            return model.inference(torch.tensor([ids]))["model_outputs"].squeeze().numpy()

    def run_torch_onednn() -> np.ndarray:
        torch.backends.mkldnn.enabled = True  # what the engine turns off to keep memory flat
        try:
            return run_torch()
        finally:
            torch.backends.mkldnn.enabled = False

    warm = onnx_voice.ids("Guten Tag.")
    for fn in (lambda: model.inference(torch.tensor([warm])), lambda: onnx_voice.run_ids(warm, scales),
               lambda: int8_voice.run_ids(warm, scales)):
        with torch.inference_mode():
            fn()
    results = {}
    for name, fn in (
        ("torch", run_torch),
        ("torch+oneDNN", run_torch_onednn),
        ("onnx", lambda: onnx_voice.run_ids(ids, scales)),
        ("onnx-int8", lambda: int8_voice.run_ids(ids, scales)),
    ):
        t0 = time.process_time()
        out = fn()
        cpu = time.process_time() - t0
        results[name] = {"pcm": out, "rtf_cpu": cpu / (len(out) / 22050)}
    ref = results["torch"]["pcm"]
    sizes = {
        "torch+oneDNN": float("nan"),
        "onnx": (work / "data" / "voices" / "default.onnx").stat().st_size / 1e6,
        "onnx-int8": (work / "data" / "voices" / "default-int8.onnx").stat().st_size / 1e6,
        "torch": (work / "tts-home" / "tts" / "tts_models--de--thorsten--vits" / "model_file.pth").stat().st_size
        / 1e6,
    }
    return {
        name: {
            "rtf_cpu": r["rtf_cpu"], "snr_db": _snr_db(ref, r["pcm"]) if name != "torch" else float("inf"),
            "len_ratio": len(r["pcm"]) / len(ref), "size_mb": sizes[name],
        }
        for name, r in results.items()
    }


def _overhead_and_edit(work_s: str, profile: str, n_sentences: int) -> dict:
    """speak() vs calling the engine directly; one-sentence edit vs full regeneration."""
    warnings.filterwarnings("ignore")
    work = Path(work_s)
    os.environ["TTS_HOME"] = str(work / "tts-home")
    from pipeline.models import Script, Segment
    from voices import SegmentCache, load_voice, speak

    voice = load_voice(profile, _settings(work))
    sentences = ARTICLE[:n_sentences]
    script = Script([Segment(s) for s in sentences])
    voice.synthesize(sentences[0])

    def direct() -> float:
        t0 = time.perf_counter()
        for s in sentences:
            voice.synthesize(s)
        return time.perf_counter() - t0

    def via_speak(cache) -> float:
        t0 = time.perf_counter()
        speak(script, voice, cache)
        return time.perf_counter() - t0

    reps = 5 if voice.engine == "espeak" else 2
    # Interleave so machine load drifts hit both sides alike; take the best of each.
    d = min(direct() for _ in range(reps))
    s_nocache = min(via_speak(None) for _ in range(reps))
    caches = [SegmentCache(Path(tempfile.mkdtemp(dir=work)), 500_000_000) for _ in range(reps)]
    s_cold = min(via_speak(c) for c in caches)  # full regeneration: every segment synthesised + stored
    edited = list(sentences)
    edited[len(edited) // 2] = "Diese eine Aussage hat die Redaktion nachträglich korrigiert."
    edit_times = []
    for i, c in enumerate(caches):
        edited[len(edited) // 2] = f"Diese eine Aussage hat die Redaktion korrigiert, Fassung {i}."
        t0 = time.perf_counter()
        _, stats = speak(Script([Segment(s) for s in edited]), voice, c)
        edit_times.append(time.perf_counter() - t0)
        assert stats.synthesised == 1, stats
    return {
        "profile": profile, "direct_s": d, "speak_nocache_s": s_nocache, "speak_cold_cache_s": s_cold,
        "overhead_nocache": s_nocache / d - 1, "overhead_cold_cache": s_cold / d - 1,
        "edit_s": min(edit_times), "edit_ratio": min(edit_times) / s_cold, "sentences": len(sentences),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (CI smoke run)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    reps = 1 if args.quick else 2
    with tempfile.TemporaryDirectory(prefix="bench-voices-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        _in_fresh_process(prepare, work)
        print(f"prepared random-weight models and ONNX exports in {time.perf_counter() - t0:.0f} s")
        print(f'\nText: {len(TEXT)} characters of German news. One thread per process.\n')
        print(f"{'profile':<15}{'engine':<8}{'load s':>8}{'RTF/core':>10}{'RTF wall':>10}{'peak MB':>9}")
        engines = []
        for profile in ("espeak-de", "tiny", "default", "thorsten-onnx", "thorsten-int8"):
            r = _in_fresh_process(_measure_engine, (str(work), profile, reps if profile != "espeak-de" else 20))
            engines.append(r)
            label = {"default": "thorsten-size (torch)"}.get(profile, profile)
            print(f"{label[:14]:<15}{r['engine']:<8}{r['load_s']:>8.2f}{r['rtf_cpu']:>10.4f}{r['rtf_wall']:>10.4f}"
                  f"{r['peak_mb']:>9.0f}")
        print("(peak MB = the process's max RSS, Python + libraries + model; a bare Python with our "
              f"imports is about {engines[0]['python_mb']:.0f} MB)")

        print("\nThorsten-size VITS, same ids, noise off; SNR of each output against torch's:")
        tv = _in_fresh_process(_torch_vs_onnx, str(work))
        print(f"{'path':<13}{'RTF/core':>10}{'speed-up':>10}{'SNR dB':>9}{'length':>8}{'size MB':>9}")
        for name, r in tv.items():
            print(f"{name:<13}{r['rtf_cpu']:>10.3f}{tv['torch']['rtf_cpu'] / r['rtf_cpu']:>9.2f}x"
                  f"{r['snr_db']:>9.1f}{r['len_ratio']:>8.2f}{r['size_mb']:>9.1f}")

        print("\nPipeline overhead (speak() vs the engine called directly) and one-sentence edit:")
        # The cheapest engine shows the pipeline's own cost most plainly; the tiny VITS stands in
        # for a neural voice (a Thorsten-size one would take minutes for 30 sentences x 4 runs).
        rows = [_in_fresh_process(_overhead_and_edit, str(work), "espeak-de", 30),
                _in_fresh_process(_overhead_and_edit, str(work), "tiny", 30)]
        for r in rows:
            print(f"  {r['profile']:<14} {r['sentences']} sentences: direct {r['direct_s']:.3f} s, "
                  f"speak {r['speak_nocache_s']:.3f} s (overhead {r['overhead_nocache']:+.1%}), "
                  f"speak + cold cache {r['speak_cold_cache_s']:.3f} s (overhead {r['overhead_cold_cache']:+.1%})")
            print(f"  {'':<14} edit one sentence, regenerate: {r['edit_s']:.3f} s = "
                  f"{r['edit_ratio']:.3f} of a full regeneration (target <= 0.1)")
        if args.json:
            args.json.write_text(json.dumps({"engines": engines, "torch_vs_onnx": tv, "pipeline": rows}, indent=1))


if __name__ == "__main__":
    main()
