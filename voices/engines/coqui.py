"""The coqui engine: coqui-tts models (VITS, Tacotron2 + vocoder, XTTS) on CPU, one thread.

Coqui's own "espeak" phonemizer shells out to an ``espeak-ng`` binary, which we don't install
(no apt step). Before any model loads we register a phonemizer of the same name backed by the
libespeak-ng that espeakng-loader ships (voices.espeak), so Coqui's tokenizer builds with it
and every worker phonemizes with the same library version.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Sequence

import numpy as np

from pipeline.config import Settings
from pipeline.models import Pronunciation
from voices.base import ModelFiles, file_digest, make_identity, split_spans, to_pcm
from voices.engines import espeak_ng
from voices.engines.coqui_models import resolve_coqui
from voices.profile import VoiceProfile, model_search_dirs

log = logging.getLogger(__name__)
_SETUP_LOCK = threading.Lock()
_SETUP_DONE = False


def one_thread_per_process() -> None:
    """torch with 2 threads on 2 busy cores measured 3-13x slower than 1: workers scale by process."""
    import torch

    torch.set_num_threads(1)
    # oneDNN caches compiled kernels per input shape, and every sentence has a new length:
    # measured +426 MB RSS after 10 different sentences on a Thorsten-size VITS (+600 MB over
    # 300 on a tiny one), which breaks "memory stays flat" in a long-lived worker. Without it
    # torch's own kernels run ~2x slower but memory is flat; the ONNX engine is faster than
    # both. NEWSAUDIO_TORCH_ONEDNN=1 turns it back on for short-lived processes.
    torch.backends.mkldnn.enabled = os.environ.get("NEWSAUDIO_TORCH_ONEDNN", "0") == "1"
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only settable before the first parallel op; then it's already fixed
        pass


def _make_phonemizer_class():  # built lazily: the base class lives inside coqui-tts
    from TTS.tts.utils.text.phonemizers.base import BasePhonemizer
    from TTS.tts.utils.text.punctuation import Punctuation

    class LibEspeakPhonemizer(BasePhonemizer):
        """Coqui's "espeak" phonemizer, answered by libespeak-ng instead of a subprocess."""

        def __init__(
            self,
            language: str,
            punctuations: str = Punctuation.default_puncs(),
            *,
            keep_puncs: bool = True,
            backend: str | None = None,  # accepted for config compatibility; there is one backend
        ) -> None:
            # Same language aliases as Coqui's ESpeak wrapper, so configs mean the same thing.
            language = {"en": "en-us", "zh-cn": "cmn"}.get(language, language)
            super().__init__(language, punctuations=punctuations, keep_puncs=keep_puncs)

        @staticmethod
        def name() -> str:
            return "espeak"

        @classmethod
        def is_available(cls) -> bool:
            return True

        def version(self) -> str:
            return "libespeak-ng (espeakng-loader)"

        @staticmethod
        def supported_languages() -> dict[str, str]:
            return {"de": "German", "en-us": "English", "en": "English", "fr-fr": "French"}

        def _phonemize(self, text: str, separator: str = "") -> str:
            return phonemize_marked(text, self.language)

    return LibEspeakPhonemizer


# A span in another language (Pronunciation.lang) rides through Coqui's text cleaners between
# these private-use marks, which lower-casing and symbol cleaning leave alone; our phonemizer
# then speaks it with that language's espeak-ng rules. Coqui cuts text at punctuation before
# phonemizing: a span cut in two loses its marks and is read as the voice's language.
_OPEN, _SEP, _CLOSE = "\U0010fff0", "\U0010fff1", "\U0010fff2"
_SPAN = re.compile(f"{_OPEN}([a-z_]+){_SEP}([^{_OPEN}{_CLOSE}]*){_CLOSE}")
_MARK = re.compile(f"[{_OPEN}{_SEP}{_CLOSE}]")


def with_language_marks(text: str, pronunciations: Sequence[Pronunciation]) -> str:
    """``text`` with each span in another language between marks naming its espeak voice."""

    def marked(voice: str, piece: str) -> str:
        return f"{_OPEN}{voice.replace('-', '_')}{_SEP}{piece}{_CLOSE}"

    pieces = split_spans(text, pronunciations, lambda p: espeak_ng.language_voice(p.lang) if p.lang else "")
    return "".join(piece if voice is None else marked(voice, piece) for piece, voice in pieces)


def phonemize_marked(text: str, language: str) -> str:
    """espeak-ng's phonemes for ``text`` in ``language``, each marked span in its own."""
    if _OPEN not in text:
        return espeak_ng.phonemize(_MARK.sub("", text), language)
    parts: list[str] = []
    pos = 0
    for m in _SPAN.finditer(text):
        parts.append(espeak_ng.phonemize(_MARK.sub("", text[pos : m.start()]), language))
        parts.append(espeak_ng.phonemize(m.group(2), m.group(1).replace("_", "-")))
        pos = m.end()
    parts.append(espeak_ng.phonemize(_MARK.sub("", text[pos:]), language))
    return " ".join(p for p in parts if p)


def setup_coqui() -> None:
    """Once per process: one torch thread, our espeak phonemizer registered with Coqui."""
    global _SETUP_DONE
    with _SETUP_LOCK:
        if _SETUP_DONE:
            return
        one_thread_per_process()
        from TTS.tts.utils.text import phonemizers

        cls = _make_phonemizer_class()
        phonemizers._register_phonemizers()  # fill Coqui's registry first, then take "espeak" over
        phonemizers.PHONEMIZERS[cls.name()] = cls
        for lang in ("de", "de-de", "en", "en-us", "fr-fr"):
            phonemizers.DEF_LANG_TO_PHONEMIZER.setdefault(lang, cls.name())
        _SETUP_DONE = True



def coqui_identity(profile: VoiceProfile, files: ModelFiles) -> str:
    """The voice's identity: its name, the engine and a digest of the model files it loads."""
    ckpt, config = files.paths[:2]
    hashed = [ckpt / "model.pth" if ckpt.is_dir() else ckpt, config, *files.extra]
    return make_identity(profile.name, "coqui", file_digest(*[p for p in hashed if p.is_file()]))

class CoquiVoice:
    engine = "coqui"

    def __init__(self, profile: VoiceProfile, files: ModelFiles) -> None:
        setup_coqui()
        import torch
        from TTS.utils.synthesizer import PAD_SILENCE_SAMPLES, Synthesizer

        self.profile = profile
        self.name = profile.name
        self.is_fallback = False
        self.fallback_reason = ""
        ckpt, config = files.paths
        vocoder = dict(vocoder_checkpoint=files.extra[0], vocoder_config=files.extra[1]) if files.extra else {}
        with torch.inference_mode():
            self._synth = Synthesizer(tts_checkpoint=ckpt, tts_config_path=config, use_cuda=False, **vocoder)
        self._pad = PAD_SILENCE_SAMPLES  # Coqui appends this much silence; pauses are ours to set
        model = self._synth.tts_model
        self.sample_rate = int(self._synth.output_sample_rate)
        self._kind = str(getattr(self._synth.tts_config, "model", "")).lower()
        if self.profile.speed != 1.0 and hasattr(model, "length_scale"):
            model.length_scale = float(model.length_scale) / self.profile.speed  # VITS: longer = slower
        langs = getattr(getattr(model, "language_manager", None), "num_languages", 0) or 0
        self._language = profile.language if (self._kind == "xtts" or langs > 1) else None
        self.identity = coqui_identity(profile, files)
        config = self._synth.tts_config
        self._marks_languages = bool(getattr(config, "use_phonemes", False)) and (
            getattr(config, "phonemizer", None) in (None, "espeak")
        )

    @property
    def model(self):  # the torch module, for export and benchmarks
        return self._synth.tts_model

    def synthesize(self, text: str, pronunciations: Sequence[Pronunciation] = ()) -> np.ndarray:
        """Text: Coqui cleans and phonemizes inside its tokenizer, where a span's offsets are
        lost, so lexicon phonemes are not heard here; the span's text (the entry's `say`) is.
        The same model exported to ONNX (piper engine) does speak the lexicon's IPA. A span in
        another language is heard in it where the model phonemizes with our espeak phonemizer
        (see with_language_marks); XTTS reads text, and reads the span as written."""
        import torch

        if self._marks_languages:
            text = with_language_marks(text, pronunciations)

        kwargs = {"speed": self.profile.speed} if self._kind == "xtts" else {}
        with torch.inference_mode():
            wav = self._synth.tts(
                text,
                speaker_name=self.profile.speaker or None,
                language_name=self._language,
                split_sentences=False,  # the speech stage already made one segment per sentence
                **kwargs,
            )
        pcm = to_pcm(wav)
        return pcm[: -self._pad] if len(pcm) > self._pad else pcm


def resolve(profile: VoiceProfile, settings: Settings) -> ModelFiles:
    return resolve_coqui(profile.model, model_search_dirs(profile, settings), profile.name)


def load(profile: VoiceProfile, files: ModelFiles) -> CoquiVoice:
    log.info("loading Coqui voice %s from %s", profile.name, files.paths[0])
    return CoquiVoice(profile, files)
