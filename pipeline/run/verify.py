"""Anyone can check an episode: does the MP3 carry a valid C2PA manifest, who signed it, is that
signer trusted (c2pa_trust_anchors), what does it claim (article, GUID, version, voice, digital
source type), and was the audio altered after signing.

`newsaudio verify FILE|URL` prints this; exit 0 when valid, 1 when altered, unsigned or invalid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from pipeline.config import Settings
from pipeline.stages import provenance

# Failure codes that mean the bytes are not what was signed (c2pa's validation status codes):
# the hard binding (data hash) or an assertion's hash no longer matches.
ALTERED_CODES = frozenset({
    "assertion.dataHash.mismatch", "assertion.bmffHash.mismatch", "assertion.boxesHash.mismatch",
    "assertion.hashedURI.mismatch", "assertion.collectionHash.mismatch",
})
# Not a flaw of the file: its signer is just not on our trust list.
UNTRUSTED_CODES = frozenset({"signingCredential.untrusted"})
MAX_DOWNLOAD_BYTES = 500_000_000


@dataclass
class Verdict:
    status: str  # valid | altered | unsigned | invalid
    signed: bool = False
    trusted: bool = False
    signer: str = ""  # the signing certificate's common name
    issuer: str = ""  # its organisation, as c2pa reports it
    local_test_signer: bool = False  # newsaudio's own untrusted test signer
    guid: str = ""
    version: int | None = None
    article_url: str = ""
    voice: dict[str, Any] = field(default_factory=dict)
    digital_source_type: str = ""
    software: str = ""
    replaces: dict[str, Any] | None = None
    failures: list[str] = field(default_factory=list)  # c2pa codes that failed (untrusted included)
    state: str = ""  # c2pa's validation state: Invalid | Valid | Trusted
    message: str = ""

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    @property
    def exit_code(self) -> int:
        return 0 if self.valid else 1

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "valid": self.valid}

    def lines(self) -> list[str]:
        """A person's reading of the verdict."""
        if not self.signed:
            return [f"UNSIGNED: {self.message or 'no C2PA manifest in this file'}"]
        head = {"valid": "VALID", "altered": "ALTERED since it was signed", "invalid": "INVALID"}[self.status]
        trust = "trusted" if self.trusted else "NOT trusted (not on c2pa_trust_anchors)"
        if self.local_test_signer:
            trust += "; newsaudio's local test signer"
        out = [head, f"signed by: {self.signer or '?'} ({self.issuer or '?'}), {trust}"]
        if self.guid:
            out.append(f"claims: GUID {self.guid}, version {self.version}, article {self.article_url or '?'}")
        if self.voice:
            fallback = " (fallback voice)" if self.voice.get("is_fallback") else ""
            out.append(f"voice: {self.voice.get('name')} [{self.voice.get('identity')}], engine "
                       f"{self.voice.get('engine')}{fallback}")
        if self.digital_source_type:
            out.append(f"digital source type: {self.digital_source_type}")
        if self.replaces:
            out.append(f"replaces version {self.replaces.get('version')} ({self.replaces.get('file_name')})")
        problems = [c for c in self.failures if c not in UNTRUSTED_CODES]
        if problems:
            out.append("failed checks: " + ", ".join(problems))
        return out


def read_target(target: str, settings: Settings) -> bytes:
    """The bytes of a file path or an http(s) URL (what `newsaudio verify` was given)."""
    if target.startswith(("http://", "https://")):
        with httpx.Client(timeout=settings.timeout_s, follow_redirects=True,
                          headers={"User-Agent": settings.user_agent}) as client, client.stream("GET", target) as resp:
            resp.raise_for_status()
            data = bytearray()
            for chunk in resp.iter_bytes():
                data += chunk
                if len(data) > MAX_DOWNLOAD_BYTES:
                    raise ValueError(f"{target}: larger than {MAX_DOWNLOAD_BYTES} bytes")
            return bytes(data)
    return Path(target).read_bytes()


def trust_anchors(settings: Settings) -> bytes | None:
    if settings.c2pa_trust_anchors is None:
        return None
    return Path(settings.c2pa_trust_anchors).read_bytes()


def verify(source: bytes | str | Path, settings: Settings) -> Verdict:
    """The verdict on an MP3 (its bytes, or a path to it)."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    found = provenance.read_manifest(data, trust_anchors(settings))
    store = found.store
    if store is None:
        return Verdict("unsigned", message=found.error)
    manifest = (store.get("manifests") or {}).get(store.get("active_manifest") or "", {})
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    failures = [f.get("code", "") for f in results.get("failure") or []]
    failures += [s.get("code", "") for s in store.get("validation_status") or [] if s.get("code") not in failures]
    signature = manifest.get("signature_info") or {}
    verdict = Verdict("valid", signed=True, trusted=found.state == "Trusted", failures=failures, state=found.state,
                      signer=signature.get("common_name", ""), issuer=signature.get("issuer", ""))
    verdict.local_test_signer = "local test" in verdict.signer or "local test" in verdict.issuer
    for assertion in manifest.get("assertions") or []:
        label, data_ = assertion.get("label", ""), assertion.get("data") or {}
        if label == provenance.EPISODE_LABEL:
            verdict.guid = str(data_.get("guid", ""))
            verdict.version = data_.get("version")
            verdict.article_url = str(data_.get("article_url", ""))
            verdict.voice = dict(data_.get("voice") or {})
            verdict.replaces = data_.get("replaces")
        elif label.startswith("c2pa.actions"):
            for action in data_.get("actions") or []:
                if action.get("action") == "c2pa.created":
                    verdict.digital_source_type = action.get("digitalSourceType", "")
                    agent = action.get("softwareAgent") or {}
                    verdict.software = f"{agent.get('name', '')} {agent.get('version', '')}".strip()
    if any(code in ALTERED_CODES for code in failures):
        verdict.status = "altered"
    elif [c for c in failures if c not in UNTRUSTED_CODES] or found.state == "Invalid":
        verdict.status = "invalid"
    return verdict
