"""The piper engine: ONNX VITS voices run directly with onnxruntime, one thread.

Two kinds of voice, told apart by the JSON config next to the model (``<model>.onnx.json``):
- Piper voices (e.g. de_DE-thorsten-medium.onnx): Piper's phoneme_id_map, ids framed as
  ``^ p _ p _ ... $`` (Piper's BOS, PAD after every phoneme, EOS);
- Coqui VITS exported by ``newsaudio voices export``: the config carries a ``coqui_tokenizer``
  section (Coqui's vocabulary, blank/BOS/EOS handling) so we build the same ids Coqui would.
Both take espeak-ng IPA with punctuation kept, from the same libespeak-ng as the other engines.
We don't use the piper-tts package itself: from 1.3 it is GPL-3.0 and bundles its own espeak_ng.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.config import Settings
from pipeline.models import Pronunciation
from voices.base import ModelFiles, file_digest, make_identity, split_spans, to_pcm
from voices.engines import espeak_ng
from voices.engines.coqui_models import resolve_local
from voices.errors import ModelMissing
from voices.profile import VoiceProfile, model_search_dirs

log = logging.getLogger(__name__)


def config_path(onnx_path: Path) -> Path:
    return onnx_path.with_name(onnx_path.name + ".json")


def coqui_ids(phonemes: str, tok: dict[str, Any], id_map: dict[str, list[int]]) -> list[int]:
    """Coqui's TTSTokenizer.text_to_ids after phonemisation: vocabulary lookup (unknown symbols
    dropped), optional BOS/EOS, optional blank between and around every token."""
    ids = [id_map[c][0] for c in phonemes if c in id_map]
    if tok.get("use_eos_bos"):
        ids = [tok["bos_id"], *ids, tok["eos_id"]]
    if tok.get("add_blank"):
        framed = [tok["blank_id"]] * (2 * len(ids) + 1)
        framed[1::2] = ids
        ids = framed
    return ids


def piper_ids(phonemes: str, id_map: dict[str, list[int]]) -> list[int]:
    """Piper's framing: BOS, then each phoneme followed by PAD, then EOS."""
    ids = list(id_map["^"])
    for ph in unicodedata.normalize("NFD", phonemes):
        if ph in id_map:
            ids += id_map[ph] + id_map["_"]
    return ids + id_map["$"]


# What Coqui's phoneme cleaners do to text before phonemisation, for the symbols that matter
# in already-normalised German text (the speech stage has spelled out numbers and abbreviations).
_AUX = re.compile(r"[<>()\[\]\"„“”«»]+")


def coqui_clean(text: str) -> str:
    text = text.replace(";", ",").replace(":", ",").replace("-", " ")
    return " ".join(_AUX.sub("", text).split())


@dataclass(frozen=True)
class OrtMemory:
    """How onnxruntime holds the memory of a run. Its default (a per-session arena that keeps
    every chunk it ever took, plus memory patterns planned per input shape) makes a worker as
    big as all the sentences it has spoken needed: a Thorsten-size voice 700-760 MB after four
    sentences of ~290 characters, ~1 GB after longer ones. ``benchmarks/bench_memory.py``
    measures each choice (peak RSS, CPU per audio minute)."""

    arena: bool = True  # pool allocations (off: every tensor malloc'd and freed; ~30 % more CPU)
    same_as_requested: bool = False  # grow the arena by what a run asks for, not by doubling
    shrink_after_run: bool = False  # hand the arena's free chunks back at the end of a run...
    shrink_from_ids: int = 0  # ...of at least this many ids (0: every run)
    mem_pattern: bool = True  # plan allocations from the shapes of earlier runs


ORT_DEFAULTS = OrtMemory()
# What workers run, measured on four ~290-character sentences (the speech stage cuts segments
# at max_segment_chars, 300): peak ~560 MB and ~270 MB after the run, against 700-760 MB kept
# for good with the defaults (two runs), at the same CPU per audio minute (within the noise).
# The arena keeps its speed inside a run and gives back what the sentence took when the run
# ends; without memory patterns nothing is planned (and kept) per sentence length. What is
# left is one run's own peak, which grows with the sentence (~1.5 MB per character): under
# 600 MB up to the 300-character segments. Short runs (under ~180 characters, 400 ids; their
# arena stays under ~420 MB) keep their chunks: handing back and taking again the same few MB
# on every sentence only fragments the heap.
HOUSE_MEMORY = OrtMemory(arena=True, shrink_after_run=True, shrink_from_ids=400, mem_pattern=False)

_env_arena_lock = threading.Lock()
_env_arena: bool = False


def _shared_arena(ort: Any) -> None:
    """Register the process-wide CPU arena that grows by what is requested (onnxruntime lets a
    process register it once; sessions opt in with session.use_env_allocators)."""
    global _env_arena
    with _env_arena_lock:
        if _env_arena:
            return
        info = ort.OrtMemoryInfo("Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT)
        # max_mem 0 = no cap; extend strategy 1 = kSameAsRequested; -1 = onnxruntime's default.
        ort.create_and_register_allocator(info, ort.OrtArenaCfg(0, 1, -1, -1))
        _env_arena = True


def session_options(memory: OrtMemory) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    # One thread per process, as for torch: workers scale by process, not by thread.
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.enable_cpu_mem_arena = memory.arena
    opts.enable_mem_pattern = memory.mem_pattern
    if memory.arena and memory.same_as_requested:
        _shared_arena(ort)
        opts.add_session_config_entry("session.use_env_allocators", "1")
    return opts


def run_options(memory: OrtMemory) -> Any:
    if not (memory.arena and memory.shrink_after_run):
        return None
    import onnxruntime as ort

    opts = ort.RunOptions()
    opts.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return opts


class PiperVoice:
    engine = "piper"

    def __init__(self, profile: VoiceProfile, files: ModelFiles, memory: OrtMemory = HOUSE_MEMORY) -> None:
        import onnxruntime as ort

        onnx_path, cfg_path = files.paths
        self.profile = profile
        self.name = profile.name
        self.is_fallback = False
        self.fallback_reason = ""
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        self.config = cfg
        self.sample_rate = int(cfg["audio"]["sample_rate"])
        self._language = cfg.get("espeak", {}).get("voice") or profile.language
        self._id_map: dict[str, list[int]] = cfg["phoneme_id_map"]
        self._tok: dict[str, Any] | None = cfg.get("coqui_tokenizer")
        inf = cfg.get("inference", {})
        self._scales = np.array(
            [inf.get("noise_scale", 0.667), inf.get("length_scale", 1.0) / profile.speed, inf.get("noise_w", 0.8)],
            dtype=np.float32,
        )
        speakers = cfg.get("speaker_id_map") or {}
        self._sid = speakers.get(profile.speaker, 0) if profile.speaker else 0
        self.memory = memory
        self._session = ort.InferenceSession(str(onnx_path), session_options(memory),
                                             providers=["CPUExecutionProvider"])
        self._shrink = run_options(memory)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.identity = make_identity(profile.name, self.engine, file_digest(onnx_path, cfg_path))

    def phonemes(self, text: str, pronunciations: Sequence[Pronunciation] = ()) -> str:
        """IPA for ``text``: espeak's, with each span that has lexicon IPA spliced in."""
        clean = coqui_clean if self._tok is not None else str.strip
        return splice_ipa(text, pronunciations, lambda t: espeak_ng.phonemize_keep_punct(clean(t), self._language))

    def ids(self, text: str, pronunciations: Sequence[Pronunciation] = ()) -> list[int]:
        phonemes = self.phonemes(text, pronunciations)
        if self._tok is not None:
            return coqui_ids(phonemes, self._tok, self._id_map)
        return piper_ids(phonemes, self._id_map)

    def run_ids(self, ids: list[int], scales: np.ndarray | None = None) -> np.ndarray:
        feed = {
            "input": np.asarray([ids], dtype=np.int64),
            "input_lengths": np.asarray([len(ids)], dtype=np.int64),
            "scales": self._scales if scales is None else scales,
        }
        if "sid" in self._inputs:
            feed["sid"] = np.asarray([self._sid], dtype=np.int64)
        shrink = self._shrink if len(ids) >= self.memory.shrink_from_ids else None
        return to_pcm(self._session.run(None, feed, shrink)[0])

    def synthesize(self, text: str, pronunciations: Sequence[Pronunciation] = ()) -> np.ndarray:
        return self.run_ids(self.ids(text, pronunciations))


def splice_ipa(text: str, pronunciations: Sequence[Pronunciation], phonemize: Callable[[str], str]) -> str:
    """Phonemize the text between spans; each span with IPA is that IPA instead.

    Pieces are phonemized separately (espeak loses a little cross-word context at a span's
    edge, which is the point: the span is the editor's). A space joins two pieces where the
    text had one, so "Chamenei, sagte" keeps its comma against the name.
    """
    # A span in another language: that language's IPA from espeak (the model's symbols are
    # espeak's IPA for every language, so an English [ð] is one it has).
    pieces = split_spans(text, pronunciations, lambda p: p.ipa.strip() or (
        espeak_ng.phonemize(text[p.start : p.end], espeak_ng.language_voice(p.lang)) if p.lang else ""))
    if all(said is None for _, said in pieces):
        return phonemize(text)
    out = ""
    for piece, said in pieces:
        part = phonemize(piece) if said is None else said
        if not part:
            continue
        spaced = out and (piece[:1].isspace() or out[-1:] == " ")
        out = (out.rstrip() + " " + part.strip()) if spaced else out + part.strip()
        if piece[-1:].isspace():
            out += " "
    return out.strip()


def resolve(profile: VoiceProfile, settings: Settings) -> ModelFiles:
    import importlib.util

    if importlib.util.find_spec("onnxruntime") is None:
        raise ModelMissing("onnxruntime is not installed: run scripts/install-neural.sh")
    dirs = model_search_dirs(profile, settings)
    onnx_path = resolve_local(profile.model, dirs) if profile.model else None
    if onnx_path is None or not onnx_path.is_file():
        raise ModelMissing(
            f"ONNX voice {profile.model!r} not found (looked in {', '.join(map(str, dirs))}): write it with "
            "`newsaudio voices export <coqui profile>` or put a Piper voice (.onnx + .onnx.json) there"
        )
    cfg = config_path(onnx_path)
    if not cfg.is_file():
        raise ModelMissing(f"{onnx_path} has no config {cfg.name} next to it")
    return ModelFiles(paths=(onnx_path, cfg))


def load(profile: VoiceProfile, files: ModelFiles) -> PiperVoice:
    log.info("loading ONNX voice %s from %s", profile.name, files.paths[0])
    return PiperVoice(profile, files)
