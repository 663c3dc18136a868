"""The pronunciation lexicon in the store: every save is a new version (TOML text, author,
message, time), so every worker machine and the console read the same one. The shipped
voices/lexicon/de.toml (or ``settings.lexicon``) becomes the first version on first start.

Nothing invalid is ever saved: every text is parsed with pipeline.speech.parse_lexicon first,
and the error names the entry."""

from __future__ import annotations

import json
import logging
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from pipeline.stages.speech import Lexicon, parse_lexicon
from pipeline.stages.speech.lexicon import KINDS, Entry, LexiconError
from pipeline.state import schema
from pipeline.state.store import Store

log = logging.getLogger("newsaudio.lexicon")

ENTRY_KEYS = ("match", "kind", "say", "espeak", "ipa", "case_sensitive", "whole_word", "note")


@dataclass
class LexiconVersion:
    id: int
    version: str
    toml: str
    author: str
    message: str
    created_at: datetime | None

    def lexicon(self) -> Lexicon:
        return parse_lexicon(self.toml)


def _row(r: object) -> LexiconVersion:
    return LexiconVersion(r.id, r.version, r.toml, r.author, r.message, schema.utc(r.created_at))  # type: ignore[attr-defined]


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


def ensure_initial(store: Store, seed: Path) -> LexiconVersion | None:
    """On first start, the seed file becomes version 1. A broken seed is logged, not saved."""
    schema.ensure(store)
    latest = current(store)
    if latest is not None:
        return latest
    try:
        text = seed.read_text(encoding="utf-8")
        validate(text)
    except (OSError, LexiconError) as exc:
        log.error("lexicon seed %s not used: %s", seed, exc)
        return None
    return save(store, text, author="setup", message=f"initial version from {seed.name}")


def current(store: Store) -> LexiconVersion | None:
    schema.ensure(store)
    t = schema.lexicon_versions
    with store.engine.connect() as conn:
        r = conn.execute(select(t).order_by(t.c.id.desc()).limit(1)).first()
    return _row(r) if r else None


def by_version(store: Store, version: str) -> LexiconVersion | None:
    """Any saved text with this entries hash (several saves may share one: a note edit)."""
    schema.ensure(store)
    t = schema.lexicon_versions
    with store.engine.connect() as conn:
        r = conn.execute(select(t).where(t.c.version == version).order_by(t.c.id.desc()).limit(1)).first()
    return _row(r) if r else None


def by_id(store: Store, version_id: int) -> LexiconVersion | None:
    schema.ensure(store)
    t = schema.lexicon_versions
    with store.engine.connect() as conn:
        r = conn.execute(select(t).where(t.c.id == version_id)).first()
    return _row(r) if r else None


def history(store: Store, limit: int = 200) -> list[LexiconVersion]:
    schema.ensure(store)
    t = schema.lexicon_versions
    with store.engine.connect() as conn:
        return [_row(r) for r in conn.execute(select(t).order_by(t.c.id.desc()).limit(limit))]


def save(store: Store, text: str, *, author: str, message: str) -> LexiconVersion:
    """Validate and store ``text`` as the newest version; raises LexiconError when invalid."""
    lexicon = validate(text)
    schema.ensure(store)
    with store.engine.begin() as conn:
        conn.execute(
            schema.lexicon_versions.insert().values(
                version=lexicon.version, toml=text, author=author, message=message, created_at=schema.now()
            )
        )
    latest = current(store)
    assert latest is not None
    return latest


# -- entries as data (console and API) -----------------------------------------------------------


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
