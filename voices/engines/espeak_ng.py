"""espeak-ng through ctypes, from the ``espeakng-loader`` wheel (library + data, no apt step).

One espeak-ng instance at a time: the C library keeps global state and is not thread-safe,
so every call takes ``_LOCK``. Synthesis uses the synchronous output mode: espeak hands us
int16 chunks through a callback while ``espeak_Synth`` runs, and we join them.

That global state also carries over from one utterance to the next (static counters in the
wave generator that neither espeak_Terminate nor espeak_Initialize reset): the same sentence
came out a few samples different after other speech. So before each synthesis that follows
another, the library is unloaded and loaded afresh (tens of milliseconds): a segment sounds
the same whatever the process spoke before, and the embedded run, the distributed run and the
sentence cache agree byte for byte.
"""

from __future__ import annotations

import _ctypes
import ctypes
import re
import threading
from dataclasses import dataclass

import numpy as np

# Constants from espeak-ng's speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000  # report errors instead of calling exit() inside our process
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PHONEME_INPUT = 0x100  # espeakPHONEMES: "[[...]]" in the text is espeak phoneme input
_SSML = 0x10  # espeakSSML: the text is SSML; <voice xml:lang="en"> switches the language
_PHONEMES_IPA = 0x02
_RATE = 1
_PITCH = 3
_EE_OK = 0

DEFAULT_RATE_WPM = 175  # espeak-ng's own default speaking rate

_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class EspeakError(RuntimeError):
    pass


@dataclass
class _Lib:
    lib: ctypes.CDLL
    sample_rate: int
    callback: object  # kept referenced so the C side never calls a freed trampoline
    chunks: list[np.ndarray]
    voice: str = ""
    spoke: bool = False  # state left over from an utterance: reload before the next one


_LOCK = threading.RLock()
_STATE: _Lib | None = None


def _load() -> _Lib:
    """The loaded and initialised libespeak-ng (loaded again after each synthesis, see above)."""
    global _STATE
    if _STATE is not None:
        return _STATE
    try:
        import espeakng_loader
    except ImportError as exc:  # a base dependency; missing means a broken install
        raise EspeakError("espeakng-loader is not installed: pip install espeakng-loader") from exc
    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
        ctypes.c_void_p, ctypes.c_void_p,
    ]
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p

    data = espeakng_loader.get_data_path().encode()
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, _INITIALIZE_DONT_EXIT)
    if rate <= 0:
        raise EspeakError(f"espeak_Initialize failed ({rate}) with data at {data.decode()}")
    chunks: list[np.ndarray] = []

    def on_audio(wav: ctypes._Pointer, n: int, _events: int) -> int:
        if n > 0 and wav:
            chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        return 0  # 0 = go on synthesising

    cb = _CALLBACK(on_audio)
    lib.espeak_SetSynthCallback(cb)
    _STATE = _Lib(lib=lib, sample_rate=rate, callback=cb, chunks=chunks)
    return _STATE


def _unload_if_spoken() -> None:
    """Drop the library instance when it has spoken, so the next _load starts from fresh state."""
    global _STATE
    if _STATE is None or not _STATE.spoke:
        return
    _STATE.lib.espeak_Terminate()
    _ctypes.dlclose(_STATE.lib._handle)
    _STATE = None


def _set_voice(state: _Lib, voice: str) -> None:
    if state.voice == voice:
        return
    if state.lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
        raise EspeakError(f"espeak-ng has no voice {voice!r}")
    state.voice = voice


def sample_rate() -> int:
    with _LOCK:
        return _load().sample_rate


def synthesize(
    text: str,
    voice: str = "de",
    rate_wpm: int = DEFAULT_RATE_WPM,
    pitch: int = 50,
    *,
    phonemes: bool = False,
    ssml: bool = False,
) -> np.ndarray:
    """Speak ``text``; returns float32 mono PCM in [-1, 1] at :func:`sample_rate`.

    ``phonemes=True`` reads "[[...]]" in ``text`` as espeak phoneme input (see
    :func:`phoneme_input`). The flag is passed on every call because espeak keeps it as global
    state, which espeak_TextToPhonemes (``phonemize``) then also obeys.
    ``ssml=True`` reads ``text`` as SSML (see :func:`language_span`).
    """
    with _LOCK:
        _unload_if_spoken()
        state = _load()
        state.spoke = True
        _set_voice(state, voice)
        state.lib.espeak_SetParameter(_RATE, int(rate_wpm), 0)
        state.lib.espeak_SetParameter(_PITCH, int(pitch), 0)
        state.chunks.clear()
        raw = text.encode("utf-8") + b"\x00"
        buf = ctypes.create_string_buffer(raw, len(raw))
        flags = _CHARS_UTF8 | (_PHONEME_INPUT if phonemes else 0) | (_SSML if ssml else 0)
        err = state.lib.espeak_Synth(buf, len(raw), 0, _POS_CHARACTER, 0, flags, None, None)
        if err != _EE_OK:
            raise EspeakError(f"espeak_Synth failed with code {err}")
        pcm = np.concatenate(state.chunks) if state.chunks else np.zeros(0, dtype=np.int16)
        state.chunks.clear()
    return (pcm.astype(np.float32) / 32768.0).clip(-1.0, 1.0)


_BRACKETS = re.compile(r"\[\[|\]\]")
# The speech stage's language codes (pipeline/stages/speech/languages.py) that are not the
# name of the espeak voice to use: English in German news is mostly American politics.
_VOICE_FOR = {"en": "en-us", "en-gb": "en"}


def language_voice(code: str) -> str:
    """The espeak-ng voice that speaks a span in the language ``code``: "en" -> "en-us"."""
    return _VOICE_FOR.get(code, code)


def language_span(text: str, code: str) -> str:
    """SSML for ``text`` spoken in the language ``code``, inside SSML input (``ssml=True``):
    espeak reads it with that language's rules and phonemes, then goes back to the voice."""
    return f'<voice xml:lang="{language_voice(code)}">{xml_text(text)}</voice>'


def xml_text(text: str) -> str:
    """Plain text as SSML text: "<", ">" and "&" escaped (espeak would read them as markup)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def phoneme_input(phonemes: str) -> str:
    """An editor's espeak phonemes as inline input: "xa'me:nEI" or "[[xa'me:nEI]]" ->
    "[[xa'me:nEI]]" (brackets inside are dropped: they would end the input early)."""
    body = _BRACKETS.sub("", phonemes).strip()
    return f"[[{body}]]" if body else ""


def plain_text(text: str) -> str:
    """Text safe to synthesise with ``phonemes=True``: no "[[" or "]]" that would start or
    end phoneme input (one bracket stays: espeak reads it as before)."""
    return _BRACKETS.sub(lambda m: m.group(0)[0], text)


def phonemize(text: str, lang: str = "de", ipa: bool = True) -> str:
    """espeak-ng's phonemes for ``text``; clauses joined by a space.

    espeak_TextToPhonemes returns one clause per call and moves the text pointer on, so we
    loop until it sets the pointer to NULL. Punctuation is not kept (callers that need it,
    like Coqui's phonemizer base class, split it off before and restore it after).
    """
    with _LOCK:
        state = _load()
        _set_voice(state, lang)
        raw = text.encode("utf-8") + b"\x00"
        buf = ctypes.create_string_buffer(raw, len(raw))
        ptr = ctypes.c_void_p(ctypes.addressof(buf))
        mode = _PHONEMES_IPA if ipa else 0
        parts: list[str] = []
        while ptr.value:
            out = state.lib.espeak_TextToPhonemes(ctypes.byref(ptr), _CHARS_UTF8, mode)
            if out:
                parts.append(out.decode("utf-8").strip())
    # espeak marks words it reads in another language as "(en)...(de)"; models never saw those.
    return _LANG_SWITCH.sub("", " ".join(p for p in parts if p))


_LANG_SWITCH = re.compile(r"\([a-z]{2,3}(?:-[a-z0-9]+)?\)")
# Punctuation that survives phonemisation, as in Coqui's default set (VITS vocabularies hold it).
PUNCTUATION = ';:,.!?¡¿—…"«»“”'
_PUNCT_RUN = re.compile(f"([{re.escape(PUNCTUATION)}]+\\s*)")


def phonemize_keep_punct(text: str, lang: str = "de") -> str:
    """Phonemes with the text's punctuation kept in place: "Hallo, Welt." -> "halˈoː, vˈɛlt."

    Neural voices read pauses and sentence melody from punctuation, so ONNX VITS input keeps it.
    """
    out: list[str] = []
    for part in _PUNCT_RUN.split(" ".join(text.split())):
        if not part:
            continue
        if _PUNCT_RUN.fullmatch(part):
            out.append(part)
        elif part.strip():
            lead = " " if part[0].isspace() and out and not out[-1].endswith(" ") else ""
            tail = " " if part[-1].isspace() else ""
            out.append(lead + phonemize(part, lang) + tail)
    return "".join(out).strip()
