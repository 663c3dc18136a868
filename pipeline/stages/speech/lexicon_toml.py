"""The lexicon as editors write it: TOML text, checked entry by entry (the error names the
entry that is wrong), entries to and from form or JSON fields, and a text rewritten with new
entries that keeps its comment header."""

from __future__ import annotations

import json
import tomllib

from pipeline.stages.speech.lexicon import KINDS, Entry, Lexicon, LexiconError, parse_lexicon

ENTRY_KEYS = ("match", "kind", "say", "espeak", "ipa", "case_sensitive", "whole_word", "lang", "note")


def validate(text: str) -> Lexicon:
    """The parsed lexicon, or LexiconError naming the entry that is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"lexicon is not valid TOML: {exc}") from exc
    for i, raw in enumerate(data.get("entry", []), start=1):
        if not isinstance(raw, dict):
            raise LexiconError(f"entry {i}: not a table")
        try:
            parse_lexicon(dumps_entries([raw]))
        except (LexiconError, TypeError) as exc:
            name = raw.get("match")
            raise LexiconError(f"entry {i} ({name!r}): {exc}" if name else f"entry {i}: {exc}") from exc
    try:
        return parse_lexicon(text)
    except (TypeError, AttributeError) as exc:
        raise LexiconError(f"lexicon has a value of the wrong type: {exc}") from exc


def entry_dict(entry: Entry) -> dict[str, object]:
    return {k: getattr(entry, k) for k in ENTRY_KEYS}


def make_entry(data: dict[str, object]) -> Entry:
    """An Entry from form or JSON fields; LexiconError naming it when it is not valid."""
    unknown = set(data) - set(ENTRY_KEYS) - {"type"}
    match = str(data.get("match") or "")
    if unknown:
        raise LexiconError(f"{match!r}: unknown keys {sorted(unknown)}")
    kind = str(data.get("kind") or data.get("type") or "substitute")
    if kind not in KINDS:
        raise LexiconError(f"{match!r}: unknown type {kind!r} (one of {', '.join(KINDS)})")

    def flag(name: str) -> bool:
        value = data.get(name, True)
        if isinstance(value, str):
            return value.lower() in ("1", "true", "on", "yes")
        return bool(value)

    entry = Entry(
        match=match,
        kind=kind,
        say=str(data.get("say") or ""),
        espeak=str(data.get("espeak") or ""),
        ipa=str(data.get("ipa") or ""),
        case_sensitive=flag("case_sensitive"),
        whole_word=flag("whole_word"),
        lang=str(data.get("lang") or ""),
        note=str(data.get("note") or ""),
    )
    validate(dumps_entries([entry_dict(entry)]))  # the same check a save makes
    return entry


def _toml_str(value: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes (\" \\ \n \uXXXX ...).
    return json.dumps(value, ensure_ascii=False)


def dumps_entries(entries: list[dict[str, object]]) -> str:
    out: list[str] = []
    for raw in entries:
        out.append("[[entry]]")
        for key, value in raw.items():
            key = "type" if key == "kind" else key
            if isinstance(value, bool):
                out.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, int | float):
                out.append(f"{key} = {value}")
            else:
                out.append(f"{key} = {_toml_str(str(value))}")
        out.append("")
    return "\n".join(out)


def _compact(entry: Entry) -> dict[str, object]:
    """Only what differs from the defaults, as an editor would write it."""
    data: dict[str, object] = {"match": entry.match}
    if entry.kind != "substitute":
        data["kind"] = entry.kind
    for key in ("say", "espeak", "ipa"):
        if getattr(entry, key):
            data[key] = getattr(entry, key)
    if not entry.case_sensitive:
        data["case_sensitive"] = False
    if not entry.whole_word:
        data["whole_word"] = False
    if entry.lang:
        data["lang"] = entry.lang
    if entry.note:
        data["note"] = entry.note
    return data


def with_entries(old_text: str, entries: list[Entry]) -> str:
    """The lexicon text with these entries, keeping the comment header of ``old_text``."""
    header: list[str] = []
    for line in old_text.splitlines():
        if line.strip().startswith("[[entry]]"):
            break
        header.append(line)
    head = "\n".join(header).rstrip()
    body = dumps_entries([_compact(e) for e in entries])
    return f"{head}\n\n{body}" if head else body
