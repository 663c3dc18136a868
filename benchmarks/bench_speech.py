"""Speech-stage throughput: MB of German news text normalised per second on one core.

Run: .venv/bin/python benchmarks/bench_speech.py [--mb 2] [--repeat 3]
The corpus is the seed article plus sentences dense in numbers, dates, units and acronyms,
repeated to the requested size; the lexicon is the bundled one. Target: >= 1 MB/s.
CPU time on a shared machine varies by tens of percent between runs, so the corpus is
normalised --repeat times and the median rate is the verdict.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.stages.speech import load_lexicon, normalize  # noqa: E402

SEED = ROOT / "tests" / "fixtures" / "speech" / "ntv-seed-article.txt"
DENSE = """Am 3.10.1990 kamen 3.400 Menschen, am 17. Juni 2024 waren es 1,5 Mio. Euro (ca. 7,1 Prozent).
Die ARD und das ZDF berichten: Um 8:45 Uhr stand es 1:1, bei -5 °C und 120 km/h Wind.
Nach § 218 Abs. 2 StGB gilt z.B. das, was Karl V. in den 80er-Jahren u.a. der NATO sagte.
„Das ist – so die Experten vom ISW – falsch“, sagte Sergei Schoigu dem ntv-Reporter…
Mehr auf https://www.tagesschau.de/inland/ oder unter info@example.com 😀.
"""
TARGET_MB_S = 1.0


def corpus(size_bytes: int) -> str:
    unit = SEED.read_text(encoding="utf-8") + "\n\n" + DENSE + "\n\n"
    reps = max(1, size_bytes // len(unit.encode("utf-8")) + 1)
    return unit * reps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=2.0, help="corpus size in MB")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the median rate counts")
    args = parser.parse_args()
    lexicon = load_lexicon()
    text = corpus(int(args.mb * 1_000_000))
    # Normalise article by article, as the pipeline does: blank-line separated pieces.
    articles = [a for a in text.split("\n\n") if a.strip()]
    normalize(articles[0], lexicon=lexicon)  # warm caches and compiled regexes
    size = sum(len(a.encode("utf-8")) for a in articles)
    rates = []
    for _ in range(max(1, args.repeat)):
        start = time.process_time()
        segments = 0
        for article in articles:
            segments += len(normalize(article, lexicon=lexicon))
        seconds = time.process_time() - start
        rates.append(size / 1e6 / seconds)
    rate = statistics.median(rates)
    verdict = "ok" if rate >= TARGET_MB_S else "BELOW TARGET"
    runs = ", ".join(f"{r:.2f}" for r in rates)
    print(f"speech normalise: {size / 1e6:.2f} MB, {segments} segments; runs {runs} MB/s "
          f"-> median {rate:.2f} MB/s per core (target >= {TARGET_MB_S:.0f} MB/s: {verdict})")
    return 0 if rate >= TARGET_MB_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
