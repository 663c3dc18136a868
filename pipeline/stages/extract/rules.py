"""Site rules as data: one TOML file per publisher in ``rules/`` (or an operator's folder).

A rule names its domains and one or more layouts. A layout is CSS selectors (container,
blocks, headings, lead, title, kicker, exclude) plus regular expressions for lines to drop.
Selectors use soupsieve, so ``[class*=leadtext]`` matches generated class-name suffixes.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

RULES_DIR = Path(__file__).with_name("rules")


@dataclass(frozen=True)
class Layout:
    name: str
    container: str
    blocks: str = ":scope > p, :scope > h2, :scope > h3"
    headings: str = "h2, h3, h4"
    lead: str = ""
    # ntv layout A marks its teaser only by setting the first paragraph in <strong>.
    lead_first_strong: bool = False
    title: str = ""
    kicker: str = ""
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteRule:
    name: str
    domains: tuple[str, ...]
    layouts: tuple[Layout, ...]
    drop_lines: tuple[re.Pattern[str], ...] = ()
    # Take the page's declared teaser as the lead when no layout element holds one.
    lead_from_meta: bool = True
    source: str = ""

    def matches(self, host: str) -> bool:
        host = host.lower().removeprefix("www.")
        return any(host == d or host.endswith("." + d) for d in self.domains)


class RuleError(ValueError):
    """A rule file an operator wrote cannot be used; the message names the file and field."""


def _layout(raw: dict, where: str) -> Layout:
    if not isinstance(raw.get("container"), str):
        raise RuleError(f"{where}: every [[layouts]] needs a 'container' selector")
    known = set(Layout.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise RuleError(f"{where}: unknown layout keys {sorted(unknown)}")
    values = dict(raw)
    values["exclude"] = tuple(raw.get("exclude", ()))
    values.setdefault("name", raw["container"])
    return Layout(**values)


def parse_rule(data: dict, source: str = "") -> SiteRule:
    name = data.get("name") or Path(source).stem
    domains = data.get("domains")
    if not domains or not all(isinstance(d, str) for d in domains):
        raise RuleError(f"{source}: 'domains' must be a list of host names")
    layouts = tuple(_layout(raw, f"{source} layout {i}") for i, raw in enumerate(data.get("layouts", [])))
    if not layouts:
        raise RuleError(f"{source}: a rule needs at least one [[layouts]] table")
    try:
        drops = tuple(re.compile(p) for p in data.get("drop_lines", []))
    except re.error as err:
        raise RuleError(f"{source}: bad drop_lines pattern: {err}") from err
    return SiteRule(
        name=name,
        domains=tuple(d.lower().removeprefix("www.") for d in domains),
        layouts=layouts,
        drop_lines=drops,
        lead_from_meta=bool(data.get("lead_from_meta", True)),
        source=source,
    )


@lru_cache(maxsize=8)
def _load_dir(path: Path, stamp: tuple[tuple[str, float], ...]) -> tuple[SiteRule, ...]:
    # ``stamp`` (names and mtimes) is part of the cache key so an edited folder is re-read.
    rules = []
    for file in sorted(path.glob("*.toml")):
        with file.open("rb") as fh:
            try:
                data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as err:
                raise RuleError(f"{file}: {err}") from err
        rules.append(parse_rule(data, str(file)))
    return tuple(rules)


def _read_dir(path: Path) -> tuple[SiteRule, ...]:
    if not path.is_dir():
        raise RuleError(f"rules folder {path} does not exist")
    stamp = tuple((f.name, f.stat().st_mtime) for f in sorted(path.glob("*.toml")))
    return _load_dir(path.resolve(), stamp)


def load_rules(rules_dir: Path | None = None) -> tuple[SiteRule, ...]:
    """The bundled rules, or an operator's folder first and then the bundled rules it does
    not replace (same name or same domain), so pointing at a folder never loses ntv."""
    bundled = _read_dir(RULES_DIR)
    if rules_dir is None or Path(rules_dir).resolve() == RULES_DIR.resolve():
        return bundled
    own = _read_dir(Path(rules_dir))
    names = {r.name for r in own}
    domains = {d for r in own for d in r.domains}
    return own + tuple(r for r in bundled if r.name not in names and not domains & set(r.domains))


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def rule_for(urls: list[str], rules: tuple[SiteRule, ...]) -> SiteRule | None:
    for url in urls:
        host = host_of(url)
        if not host:
            continue
        for rule in rules:
            if rule.matches(host):
                return rule
    return None
