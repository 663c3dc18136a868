"""The operator's numbers: /metrics in Prometheus's format, read from the store (every worker
machine's work counts), moving when an article is voiced; exposed like the console."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from pipeline.run.feed import run
from web.app import create_app


def scrape(settings) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    with TestClient(create_app(settings), client=("127.0.0.1", 40000)) as client:
        r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=0.0.4")
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(r.text):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_metrics_parse_and_move_when_an_article_is_voiced(small_sample_settings):
    settings = small_sample_settings
    settings.broker_url = ""  # no broker here: the queue depths are simply left out
    before = scrape(settings)
    assert before["newsaudio_episodes_total"][()] == 0
    summary = run(settings)
    assert summary.count("done") == 1
    after = scrape(settings)
    assert after["newsaudio_episodes_total"][()] == 1
    assert after["newsaudio_audio_seconds_total"][()] > 10
    assert after["newsaudio_articles"][(("reason", ""), ("state", "done"))] == 1
    assert after["newsaudio_failed_articles"][(("reason", "http-404"),)] == 1
    (voice,) = {dict(k)["voice"] for k in after["newsaudio_real_time_factor"]}
    assert 0 < after["newsaudio_real_time_factor"][(("voice", voice),)] < 1
    assert after["newsaudio_stage_seconds_total"][(("stage", "synthesis"), ("voice", voice))] > 0
    assert after["newsaudio_first_episode_seconds"][(("quantile", "0.5"),)] >= 0


def test_metrics_are_not_for_everyone(settings):
    with TestClient(create_app(settings), client=("203.0.113.5", 40000)) as client:
        assert client.get("/metrics").status_code == 403
