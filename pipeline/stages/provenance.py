"""C2PA provenance for published MP3s: a signed manifest that says the audio is synthetic
(IPTC digital source type), which voice and engine spoke it, which software made it, and
which article, feed item and episode version it is; read back for `newsaudio verify`.

Signed with the newsroom's certificate chain and key (settings c2pa_signing_cert /
c2pa_signing_key). Without them a local test CA and signer are made once under
data_dir/c2pa/ so every file is still signed; that signer is untrusted anywhere it is not
listed, and we say so loudly. c2pa's certificate profile wants a CA-issued leaf (not
self-signed) with SKI/AKI, digitalSignature key usage and an e-mail-protection or
document-signing EKU: the test signer is made that way (ES256, P-256).

The manifest is embedded in the MP3's ID3 tag and binds a hash of every other byte, so
changing any audio frame (or tag) afterwards shows as ``assertion.dataHash.mismatch``.
"""

from __future__ import annotations

import io
import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pipeline.config import ConfigError, Settings
from pipeline.files import atomic_write

log = logging.getLogger("newsaudio.provenance")

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
# What made the sound: a neural voice is a model trained on recordings ("trained algorithmic
# media"); espeak-ng's formant synthesis is rules and signal processing ("algorithmic media").
DIGITAL_SOURCE_TYPES = {
    "coqui": IPTC + "trainedAlgorithmicMedia",
    "piper": IPTC + "trainedAlgorithmicMedia",
    "espeak": IPTC + "algorithmicMedia",
}
EPISODE_LABEL = "org.newsaudio.episode"
MP3 = "audio/mpeg"
LOCAL_TEST_FOLDER = "c2pa"
_LOCAL_BUNDLE = "test-signer.pem"  # key, signer certificate, CA certificate: one file, one rename


def source_type(engine: str) -> str:
    """The IPTC digital source type for a voice engine (unknown engines: trained, the more
    cautious claim for a model of unknown kind)."""
    return DIGITAL_SOURCE_TYPES.get(engine, IPTC + "trainedAlgorithmicMedia")


@cache
def software_version() -> str:
    try:
        return package_version("newsaudio")
    except PackageNotFoundError:
        return "0"


@dataclass(frozen=True)
class Claim:
    """What one published MP3 says about itself."""

    guid: str  # the feed item's GUID (never changes across versions)
    version: int
    article_url: str  # the article's canonical URL
    feed: str
    title: str
    file_name: str
    voice_name: str
    voice_identity: str
    engine: str
    voice_is_fallback: bool = False
    disclosure: str = ""  # the sentence spoken in the audio ("" when the feed left it out)
    replaces_version: int | None = None
    replaces_file: str = ""

    def episode_assertion(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "guid": self.guid, "version": self.version, "article_url": self.article_url, "feed": self.feed,
            "file_name": self.file_name,
            "voice": {"name": self.voice_name, "identity": self.voice_identity, "engine": self.engine,
                      "is_fallback": self.voice_is_fallback},
            "spoken_disclosure": self.disclosure or None,
        }
        if self.replaces_version is not None:
            data["replaces"] = {"version": self.replaces_version, "file_name": self.replaces_file}
        return data

    def manifest(self) -> dict[str, Any]:
        agent = {"name": "newsaudio", "version": software_version()}
        return {
            "claim_generator_info": [agent],
            "title": self.file_name,
            "format": MP3,
            "assertions": [
                {"label": "c2pa.actions", "data": {"actions": [{
                    "action": "c2pa.created",
                    "digitalSourceType": source_type(self.engine),
                    "softwareAgent": agent,
                    "description": f"synthetic speech of a news article, voice {self.voice_name}",
                    "parameters": {"voice": self.voice_identity, "engine": self.engine},
                }]}},
                {"label": EPISODE_LABEL, "data": self.episode_assertion()},
            ],
        }


# -- signing material -------------------------------------------------------------------------


@dataclass(frozen=True)
class Material:
    chain: bytes  # PEM: signer certificate first, then its issuers
    key: bytes  # PEM private key
    alg: c2pa.C2paSigningAlg
    local_test: bool  # the local test CA's signer: untrusted anywhere it is not listed


def _alg(key: Any, where: str) -> c2pa.C2paSigningAlg:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        by_curve = {"secp256r1": c2pa.C2paSigningAlg.ES256, "secp384r1": c2pa.C2paSigningAlg.ES384,
                    "secp521r1": c2pa.C2paSigningAlg.ES512}
        if key.curve.name in by_curve:
            return by_curve[key.curve.name]
    if isinstance(key, rsa.RSAPrivateKey):
        return c2pa.C2paSigningAlg.PS256
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return c2pa.C2paSigningAlg.ED25519
    raise ConfigError(f"{where}: C2PA signs with EC P-256/384/521, RSA (PS256) or Ed25519 keys only")


def _load_key(pem: bytes, where: str) -> Any:
    try:
        return serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: not an unencrypted PEM private key ({exc})") from exc


def _configured(settings: Settings) -> Material | None:
    cert, key = settings.c2pa_signing_cert, settings.c2pa_signing_key
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise ConfigError("c2pa_signing_cert and c2pa_signing_key go together: set both, or neither "
                          "(then a local, untrusted test signer is used)")
    try:
        chain, key_pem = Path(cert).read_bytes(), Path(key).read_bytes()
    except OSError as exc:
        raise ConfigError(f"C2PA signing certificate or key cannot be read: {exc}") from exc
    return Material(chain, key_pem, _alg(_load_key(key_pem, str(key)), str(key)), local_test=False)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "newsaudio (local test, untrusted)")])


def make_test_signer(now: datetime | None = None) -> tuple[bytes, bytes, bytes]:
    """A fresh test CA and a signer it issued: (signer key PEM, signer certificate PEM, CA
    certificate PEM). The CA's key is thrown away: nothing else is ever issued by it."""
    now = now or datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    key = ec.generate_private_key(ec.SECP256R1())
    ca_name, name = _name("newsaudio local test CA"), _name("newsaudio local test signer")
    no = dict(content_commitment=False, key_encipherment=False, data_encipherment=False, key_agreement=False,
              encipher_only=False, decipher_only=False)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True, **no), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(name).issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3640))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **no),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return key_pem, leaf.public_bytes(pem), ca.public_bytes(pem)


def local_test_bundle(settings: Settings) -> Path:
    return settings.data_dir / LOCAL_TEST_FOLDER / _LOCAL_BUNDLE


def _split_pem(bundle: bytes) -> tuple[bytes, list[bytes]]:
    """(private key PEM, certificate PEMs in order) of a bundle."""
    blocks = [b"-----BEGIN" + part for part in bundle.split(b"-----BEGIN")[1:]]
    keys = [b for b in blocks if b"PRIVATE KEY-----" in b.split(b"\n", 1)[0]]
    certs = [b for b in blocks if b.startswith(b"-----BEGIN CERTIFICATE-----")]
    if len(keys) != 1 or not certs:
        raise ValueError("a test signer bundle holds one private key and its certificates")
    return keys[0], certs


def local_test_ca(settings: Settings) -> bytes:
    """The local test CA's certificate (PEM): list it in c2pa_trust_anchors to trust it."""
    chain = _local(settings).chain
    return chain[chain.rindex(b"-----BEGIN CERTIFICATE-----"):]


_LOCK = threading.Lock()
_WARNED: set[Path] = set()


def _local(settings: Settings) -> Material:
    path = local_test_bundle(settings)
    with _LOCK:
        if not path.exists():
            key, leaf, ca = make_test_signer()
            # One file, written whole and renamed: two workers making it at once each sign with
            # a consistent key and chain (the last rename wins for later renders).
            atomic_write(path, key + leaf + ca)
            path.chmod(0o600)
            log.warning("C2PA: made a LOCAL TEST CA and signer in %s", path)
        key_pem, certs = _split_pem(path.read_bytes())
        if path not in _WARNED:
            _WARNED.add(path)
            log.warning(
                "C2PA: NO SIGNING CERTIFICATE CONFIGURED (c2pa_signing_cert / c2pa_signing_key): MP3s are signed "
                "by the local test signer in %s, which every verifier reports as UNTRUSTED. Configure the "
                "newsroom's certificate before publishing.", path,
            )
    return Material(b"".join(certs), key_pem, c2pa.C2paSigningAlg.ES256, local_test=True)


def material(settings: Settings) -> Material:
    """The newsroom's signer when configured, else the local test signer (made on first use)."""
    return _configured(settings) or _local(settings)


# -- signing and reading ----------------------------------------------------------------------


def sign_mp3(mp3: bytes, claim: Claim, settings: Settings, signer: Material | None = None) -> bytes:
    """The MP3 with the claim's manifest embedded and signed: the bytes to publish."""
    signer = signer or material(settings)
    info = c2pa.C2paSignerInfo(signer.alg, signer.chain, signer.key, settings.c2pa_timestamp_url or None)
    out = io.BytesIO()
    with c2pa.Signer.from_info(info) as handle, c2pa.Builder(claim.manifest()) as builder:
        builder.sign(handle, MP3, io.BytesIO(mp3), out)
    return out.getvalue()


@dataclass
class Read:
    """What c2pa found in a file: no manifest (``store`` None), or its store and validation."""

    store: dict[str, Any] | None
    state: str = ""  # Invalid | Valid | Trusted
    error: str = ""


def read_manifest(data: bytes, trust_anchors: bytes | None = None) -> Read:
    """The manifest store of MP3 bytes as c2pa validates it; ``trust_anchors`` (PEM CA
    certificates) are the signers' roots to trust."""
    context = None
    if trust_anchors:
        context = c2pa.Context(c2pa.Settings.from_dict({"trust": {"trust_anchors": trust_anchors.decode()}}))
    try:
        if context is not None:
            reader = c2pa.Reader(MP3, io.BytesIO(data), context=context)
        else:
            reader = c2pa.Reader(MP3, io.BytesIO(data))
        with reader:
            store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        # No manifest or an unreadable one: no store either way, with c2pa's reason.
        return Read(None, error=str(exc) or type(exc).__name__)
    return Read(store, str(store.get("validation_state") or ""))
