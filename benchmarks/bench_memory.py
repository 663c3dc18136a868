"""Memory of a synth worker: onnxruntime's memory options for the house voice on long sentences.

Run: .venv/bin/python -u benchmarks/bench_memory.py [--sentences 4]  (also part of `make bench-voices`)

A Thorsten-size VITS with random weights (nothing can be downloaded; memory and speed do not
depend on the weights) is exported to ONNX as `newsaudio voices fetch` does. Each option set runs
in a fresh process that loads the voice and speaks the same long German sentences one after the
other, as a worker does: sentences as long as the speech stage lets through (it cuts at
max_segment_chars, 300, between words). Printed per option: resident memory after loading, peak
resident memory (VmHWM: what Celery's worker_max_memory_per_child and the kernel see), memory
after the last sentence, and CPU seconds per audio minute (this process's CPU, so other load on
the machine does not count). Then, with the house options, the peak for one sentence of 200, 300
and 400 characters: within one run the peak grows with the sentence, whatever the arena does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import Settings  # noqa: E402
from voices.engines.piper import HOUSE_MEMORY, ORT_DEFAULTS, OrtMemory  # noqa: E402

SOURCE = [
    "Nach einer mehr als zwölfstündigen Sitzung haben sich die Vertreter von Bund und Ländern in der Nacht "
    "zum Donnerstag darauf verständigt, die Finanzierung des öffentlichen Nahverkehrs für die kommenden drei "
    "Jahre zu sichern, wobei die genaue Aufteilung der Kosten zwischen den Ländern, den Kommunen und den "
    "Verkehrsverbünden erst im Herbst in einer weiteren Runde festgelegt werden soll.",
    "Die Wissenschaftlerinnen und Wissenschaftler des Instituts weisen in ihrem am Montag veröffentlichten "
    "Bericht darauf hin, dass die Zahl der extremen Hitzetage in den vergangenen zwei Jahrzehnten in fast "
    "allen Regionen Deutschlands deutlich gestiegen ist und dass Städte mit wenig Grünflächen, dichter "
    "Bebauung und vielen versiegelten Flächen davon besonders stark betroffen sind.",
    "Während die Opposition im Landtag den Entwurf als unzureichend und schlecht vorbereitet kritisierte, "
    "verteidigte die Ministerin das Vorhaben am Mittwochnachmittag mit dem Hinweis, dass die geplanten "
    "Änderungen an den Schulgesetzen bereits seit mehr als einem Jahr mit Lehrerverbänden, Elternvertretungen "
    "und den kommunalen Schulträgern ausführlich beraten worden seien.",
    "Der Vorstandsvorsitzende des Unternehmens kündigte auf der Hauptversammlung in Stuttgart an, in den "
    "nächsten fünf Jahren mehrere Milliarden Euro in neue Werke für Batteriezellen zu investieren, ließ "
    "jedoch offen, an welchen Standorten diese entstehen sollen und wie viele der bisherigen Arbeitsplätze "
    "in der Fertigung von Verbrennungsmotoren dabei langfristig erhalten bleiben können.",
]



def cut(text: str, limit: int) -> str:
    """``text`` cut between words to at most ``limit`` characters, as a sentence."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",") + "."


LONG = [cut(text, Settings().max_segment_chars) for text in SOURCE]
LENGTHS = (200, 300, 400)

OPTIONS: dict[str, OrtMemory] = {
    "onnxruntime default": ORT_DEFAULTS,
    "no mem pattern": OrtMemory(mem_pattern=False),
    "shrink after run": OrtMemory(shrink_after_run=True),
    "shrink, no mem pattern": OrtMemory(shrink_after_run=True, mem_pattern=False),
    "same-as-requested": OrtMemory(same_as_requested=True),
    "same-as-req. + shrink": OrtMemory(same_as_requested=True, shrink_after_run=True),
    "arena off": OrtMemory(arena=False),
}


def status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def prepare(work: Path) -> Path:
    """The Thorsten-size VITS and its ONNX export; the export's path."""
    os.environ["TTS_HOME"] = str(work / "tts-home")
    warnings.filterwarnings("ignore")
    from voices.engines.random_vits import build_vits
    from voices.manage import export_onnx

    build_vits(work / "tts-home" / "tts" / "tts_models--de--thorsten--vits", size="thorsten")
    return export_onnx("default", Settings(data_dir=work / "data"))


def one(onnx: Path, memory: OrtMemory, sentences: list[str]) -> dict[str, float]:
    """In this (fresh) process: load the voice with ``memory``, speak ``sentences``, report."""
    from voices.base import ModelFiles
    from voices.engines.piper import PiperVoice, config_path
    from voices.profile import VoiceProfile

    profile = VoiceProfile(name="thorsten-size", engine="piper", model=str(onnx), fallback="")
    voice = PiperVoice(profile, ModelFiles(paths=(onnx, config_path(onnx))), memory=memory)
    voice.synthesize("Guten Tag.")
    loaded = status_mb("VmRSS")
    cpu0, wall0 = time.process_time(), time.perf_counter()
    samples = sum(len(voice.synthesize(text)) for text in sentences)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    minutes = samples / voice.sample_rate / 60
    return {"loaded_mb": loaded, "peak_mb": status_mb("VmHWM"), "end_mb": status_mb("VmRSS"), "cpu_s": cpu,
            "wall_s": wall, "audio_min": minutes, "cpu_per_min": cpu / minutes}


def run_child(onnx: Path, name: str, sentences: str) -> dict[str, float]:
    """``sentences``: how many of LONG ("4"), or one sentence of that many characters ("c400")."""
    out = subprocess.run([sys.executable, __file__, "--one", str(onnx), name, sentences],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=len(LONG), help="how many of the long sentences")
    parser.add_argument("--onnx", type=Path, help="an exported voice to use instead of building one")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        onnx, name, which = args.one
        memory = HOUSE_MEMORY if name == "house" else OPTIONS[name]
        sentences = [cut(" ".join(SOURCE), int(which[1:]))] if which.startswith("c") else LONG[: int(which)]
        print(json.dumps(one(Path(onnx), memory, sentences)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        onnx = args.onnx
        if onnx is None:
            start = time.perf_counter()
            onnx = Path(subprocess.run(
                [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); from benchmarks.bench_memory "
                 f"import prepare; from pathlib import Path; print(prepare(Path({tmp!r})))"],
                capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip().splitlines()[-1])
            print(f"built a Thorsten-size VITS and its ONNX export in {time.perf_counter() - start:.0f} s")
        sentences = LONG[: args.sentences]
        lengths = ", ".join(str(len(s)) for s in sentences)
        print(f"\n== synth worker memory: house voice (Thorsten-size VITS, ONNX, one thread), {len(sentences)} "
              f"sentences of {lengths} characters, each option in a fresh process")
        print(f"{'option':<24}{'loaded MB':>10}{'peak MB':>9}{'after MB':>9}{'CPU s/audio min':>17}{'vs default':>11}")
        rows = {}
        names = [*OPTIONS, "house"]
        for name in names:
            r = rows[name] = run_child(onnx, name, str(len(sentences)))
            base = rows["onnxruntime default"]["cpu_per_min"]
            label = "house (chosen)" if name == "house" else name
            print(f"{label[:23]:<24}{r['loaded_mb']:>10.0f}{r['peak_mb']:>9.0f}{r['end_mb']:>9.0f}"
                  f"{r['cpu_per_min']:>17.2f}{r['cpu_per_min'] / base - 1:>+11.1%}")
        house = rows["house"]
        print(f"house options ({describe(HOUSE_MEMORY)}): peak {house['peak_mb']:.0f} MB "
              f"(target < 600 MB per synth process), CPU {house['cpu_per_min']:.2f} s per audio minute "
              f"({house['cpu_per_min'] / rows['onnxruntime default']['cpu_per_min'] - 1:+.1%} against the default)")
        print("\nhouse options, one sentence, fresh process each: peak MB by sentence length")
        for length in LENGTHS:
            r = run_child(onnx, "house", f"c{length}")
            print(f"{length:>4} characters ({r['audio_min'] * 60:4.1f} s of audio): peak {r['peak_mb']:.0f} MB, "
                  f"after {r['end_mb']:.0f} MB")


def describe(memory: OrtMemory) -> str:
    parts = ["arena" if memory.arena else "no arena"]
    if memory.same_as_requested:
        parts.append("same-as-requested")
    if memory.shrink_after_run:
        parts.append("shrink")
    if not memory.mem_pattern:
        parts.append("no mem pattern")
    return ", ".join(parts)


if __name__ == "__main__":
    main()
