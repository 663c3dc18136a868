"""Run the pipeline on the bundled sample and print where the time goes.

Prints, from one run: seconds per stage summed over the articles, the share of the total spent
outside synthesis (the pipeline's own overhead), and the real-time factor of the whole run.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.config import FeedConfig, load_settings  # noqa: E402
from pipeline.run import (
    feed,  # noqa: E402
)
from pipeline.run.sample_site import SAMPLE_SITE, serve_site  # noqa: E402
from pipeline.state.store import open_store  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, serve_site(SAMPLE_SITE) as base:
        settings = load_settings(REPO / "newsaudio.toml", env={})
        settings.output_dir = Path(tmp) / "output"
        settings.data_dir = Path(tmp) / "data"
        settings.cache_dir = Path(tmp) / "data" / "cache"
        settings.feeds = [FeedConfig(name="sample", url=f"{base}/feed.xml", title="Beispiel")]
        open_store(settings)
        start = time.perf_counter()
        summary = feed.run(settings)
        wall = time.perf_counter() - start
        stages: dict[str, float] = defaultdict(float)
        for outcome in summary.outcomes:
            for stage, seconds in outcome.timings.items():
                stages[stage] += seconds
        audio = sum(o.duration_s for o in summary.outcomes)
        synth = stages.get("synthesis", 0.0)
        print(f"sample run: {len(summary.outcomes)} articles, {audio / 60:.1f} min of audio, {wall:.2f} s wall")
        print(f"{'stage':<12}{'seconds':>10}{'share':>9}")
        for stage, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
            print(f"{stage:<12}{seconds:>10.2f}{seconds / wall:>9.1%}")
        rest = wall - sum(stages.values())
        print(f"{'(poll, db)':<12}{rest:>10.2f}{rest / wall:>9.1%}")
        print(f"share of time outside synthesis (pipeline overhead): {(wall - synth) / wall:.1%}")
        if audio:
            print(f"real-time factor of the whole run: {wall / audio:.4f}")
        start = time.perf_counter()
        again = feed.run(settings)
        print(f"second run: {time.perf_counter() - start:.2f} s, {again.synthesised_segments} segments synthesised")


if __name__ == "__main__":
    main()
