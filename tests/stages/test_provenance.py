"""Synthetic audio, said and signed, stage by stage: C2PA signing and reading of an MP3, the
test signer's certificate profile, the disclosure in ID3 tags, transcripts, chapters and the
player data."""

from __future__ import annotations

import io
import json
import statistics
import time
from pathlib import Path

import numpy as np
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from mutagen.id3 import ID3

from pipeline.config import Settings
from pipeline.models import Episode, Segment
from pipeline.stages import provenance
from pipeline.stages.master import Tags, master
from pipeline.stages.publish.disclosure import (
    CHANNEL_NOTE,
    DISCLOSURE_BLOCK,
    SyntheticVoice,
    channel_description,
    with_note,
)
from pipeline.stages.publish.player import render_player_data
from pipeline.stages.publish.transcripts import build_cues, paragraphs, render_json_transcript, render_vtt

SENTENCE = "Dieser Beitrag wird von einer künstlichen Stimme vorgelesen."
VOICE = SyntheticVoice("Thorsten", "default+coqui+abc", "coqui", disclosure=SENTENCE)


def tone(seconds: float, rate: int = 22050, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    return (0.2 * np.sin(2 * np.pi * 180 * t) * (1 + 0.3 * rng.standard_normal(t.size))).astype(np.float32)


SEGMENTS = [
    Segment("Titel des Artikels.", kind="title", pause_after_ms=900, block=0),
    Segment(SENTENCE, kind="paragraph", pause_after_ms=700, block=DISCLOSURE_BLOCK),
    Segment("Der Vorspann.", kind="lead", pause_after_ms=700, block=1),
    Segment("Eine Zwischenzeile", kind="heading", pause_after_ms=700, block=2),
    Segment("Ein Absatz.", kind="paragraph", pause_after_ms=700, block=3),
]


@pytest.fixture(scope="module")
def mastered():
    pcm = [tone(1.5, seed=i) for i in range(len(SEGMENTS))]
    tags = Tags(title="Titel", artist="Site", album="Feed", comment=VOICE.note(), synthetic_voice="Thorsten [x]")
    return master(SEGMENTS, pcm, 22050, tags)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", output_dir=tmp_path / "output")


def claim(**extra: object) -> provenance.Claim:
    values: dict[str, object] = dict(guid="g-1", version=2, article_url="https://example.org/a", feed="f", title="T",
                                     file_name="abc-v2.mp3", voice_name="Thorsten", voice_identity="default+coqui+abc",
                                     engine="coqui", disclosure=SENTENCE, replaces_version=1,
                                     replaces_file="abc-v1.mp3")
    values.update(extra)
    return provenance.Claim(**values)  # type: ignore[arg-type]


def test_disclosure_is_chapter_neutral_and_has_its_own_cue(mastered):
    # Chapters: the title and the heading; the disclosure starts none and is in no chapter title.
    assert [c.title for c in mastered.chapters] == ["Titel des Artikels.", "Eine Zwischenzeile"]
    cues = build_cues(SEGMENTS, mastered.spans, mastered.duration_s)
    (said,) = [c for c in cues if c.kind == "disclosure"]
    assert said.block == DISCLOSURE_BLOCK and said.text == SENTENCE and said.start_ms > 1500
    # Read-along pairs the player's paragraphs with the page's: the disclosure is none of them.
    assert [p["index"] for p in paragraphs(cues)] == [0, 1, 2, 3]
    vtt = render_vtt(cues, voice=VOICE).decode()
    assert "\nai-2\n" in vtt and SENTENCE in vtt.split("\nai-2\n", 1)[1].split("\n\n", 1)[0]
    assert "NOTE\n" + VOICE.note() in vtt
    data = json.loads(render_json_transcript(cues, voice=VOICE))
    assert data["synthetic"] is True and data["voice"]["name"] == "Thorsten"
    assert [s for s in data["segments"] if s.get("disclosure")][0]["body"] == SENTENCE


def test_id3_says_the_voice_is_synthetic(mastered):
    tags = ID3(io.BytesIO(mastered.mp3))
    (comment,) = tags.getall("COMM")
    assert SENTENCE in comment.text[0] and "Thorsten" in comment.text[0]
    assert tags.getall("TXXX:AI_GENERATED") and tags.getall("TXXX:SYNTHETIC_VOICE")[0].text == ["Thorsten [x]"]


def test_descriptions_and_player_data_say_it_and_name_the_fallback():
    fallback = SyntheticVoice("espeak-ng German", "default+espeak+1", "espeak", is_fallback=True)
    assert with_note("Der Vorspann.", fallback).startswith("Der Vorspann.\n\n" + fallback.disclosure)
    assert "Ersatzstimme" in fallback.note() and "Ersatzstimme" not in VOICE.note()
    assert channel_description("Nachrichten zum Hören").endswith(CHANNEL_NOTE)
    assert channel_description("Von künstlicher Stimme gelesen.") == "Von künstlicher Stimme gelesen."
    ep = Episode(guid="g", episode_id="a", version=1, title="T", description="d", link="https://x/a", published=None,
                 voice="default+espeak+1", text_hash="h", file_name="a-v1.mp3", bytes=1, duration_s=1.0)
    data = json.loads(render_player_data(ep, None, canonical_url="", feed={}, public_base_url="http://h"))
    assert data["synthetic"] is True and data["voice"]["engine"] == "espeak" and data["disclosure"] is None


def test_test_signer_fits_the_c2pa_certificate_profile():
    key, leaf_pem, ca_pem = provenance.make_test_signer()
    leaf, ca = x509.load_pem_x509_certificate(leaf_pem), x509.load_pem_x509_certificate(ca_pem)
    assert leaf.issuer == ca.subject != leaf.subject  # CA-issued, not self-signed
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in list(eku)
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert leaf.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert b"PRIVATE KEY" in key


def test_signed_mp3_reads_back_valid_and_says_what_it_is(mastered, settings):
    signed = provenance.sign_mp3(mastered.mp3, claim(), settings)
    found = provenance.read_manifest(signed)
    assert found.state == "Valid"  # valid; its signer is the untrusted local test signer
    manifest = found.store["manifests"][found.store["active_manifest"]]
    codes = [f["code"] for f in found.store["validation_results"]["activeManifest"]["failure"]]
    assert codes == ["signingCredential.untrusted"]
    labels = {a["label"]: a["data"] for a in manifest["assertions"]}
    (created,) = labels["c2pa.actions.v2"]["actions"]
    assert created["action"] == "c2pa.created"
    assert created["digitalSourceType"] == "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    assert created["softwareAgent"]["name"] == "newsaudio"
    episode = labels[provenance.EPISODE_LABEL]
    assert episode["guid"] == "g-1" and episode["version"] == 2 and episode["replaces"]["version"] == 1
    assert episode["voice"]["identity"] == "default+coqui+abc"
    # The test CA, listed as a trust anchor, makes the same file trusted.
    assert provenance.read_manifest(signed, provenance.local_test_ca(settings)).state == "Trusted"


def test_espeak_is_algorithmic_media_neural_voices_trained():
    assert provenance.source_type("espeak").endswith("/algorithmicMedia")
    assert provenance.source_type("coqui").endswith("/trainedAlgorithmicMedia")
    assert provenance.source_type("piper").endswith("/trainedAlgorithmicMedia")


def test_configured_signer_is_used_and_half_a_configuration_refused(mastered, settings, tmp_path):
    key, leaf, ca = provenance.make_test_signer()
    (tmp_path / "chain.pem").write_bytes(leaf + ca)
    (tmp_path / "key.pem").write_bytes(key)
    settings.c2pa_signing_cert = tmp_path / "chain.pem"
    with pytest.raises(Exception, match="go together"):
        provenance.material(settings)
    settings.c2pa_signing_key = tmp_path / "key.pem"
    assert not provenance.material(settings).local_test
    signed = provenance.sign_mp3(mastered.mp3, claim(), settings)
    assert provenance.read_manifest(signed, ca).state == "Trusted"
    assert not provenance.local_test_bundle(settings).exists()  # no test signer made when one is configured


def test_signing_cost(mastered, settings, capsys):
    """Issue target: <= 50 ms and <= 30 KB per episode (the manifest does not grow with length)."""
    signer = provenance.material(settings)
    provenance.sign_mp3(mastered.mp3, claim(), settings, signer)  # first use loads the native library
    times, added = [], []
    for _ in range(10):
        start = time.perf_counter()
        signed = provenance.sign_mp3(mastered.mp3, claim(), settings, signer)
        times.append(time.perf_counter() - start)
        added.append(len(signed) - len(mastered.mp3))
    with capsys.disabled():
        print(f"\nC2PA signing: median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms, "
              f"{max(added)} bytes added to a {len(mastered.mp3)} byte MP3")
    assert statistics.median(times) < 0.05
    assert max(added) <= 30_000
