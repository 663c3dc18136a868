"""Editors, admins and the CMS's API tokens; sessions; the audit log.

Passwords are hashed with argon2 (argon2-cffi). Session ids, setup links and API tokens are
random secrets of which only a SHA-256 is stored: a copy of the database logs no one in."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update

from pipeline.state import schema
from pipeline.state.store import Store

ROLES = ("editor", "admin")
SCOPES = ("read", "articles:write", "lexicon:write")
_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY = _hasher.hash("not a password")


class AccountError(ValueError):
    pass


@dataclass
class User:
    id: int
    name: str
    role: str
    disabled: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass
class Session:
    user: User
    csrf: str


@dataclass
class Token:
    id: int
    name: str
    scopes: list[str]
    created_by: str
    created_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass
class AuditEntry:
    id: int
    at: datetime | None
    actor: str
    action: str
    target: str
    before: object
    after: object


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < 10:
        raise AccountError("a password needs at least 10 characters")


def _user(r: object) -> User:
    return User(r.id, r.name, r.role, bool(r.disabled))  # type: ignore[attr-defined]


# -- users -------------------------------------------------------------------------------------


def add_user(store: Store, name: str, role: str, password: str | None = None) -> User:
    name = name.strip()
    if not name or len(name) > 100:
        raise AccountError("a user name needs 1 to 100 characters")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if password is not None:
        _check_password(password)
    t = schema.users
    with store.engine.begin() as conn:
        if conn.execute(select(t.c.id).where(t.c.name == name)).first():
            raise AccountError(f"user {name!r} exists already")
        conn.execute(
            t.insert().values(
                name=name, role=role, password_hash=_hasher.hash(password) if password else "",
                disabled=0, created_at=schema.now(),
            )
        )
    user = get_user(store, name)
    assert user is not None
    return user


def get_user(store: Store, name: str) -> User | None:
    t = schema.users
    with store.engine.connect() as conn:
        r = conn.execute(select(t).where(t.c.name == name)).first()
    return _user(r) if r else None


def list_users(store: Store) -> list[User]:
    t = schema.users
    with store.engine.connect() as conn:
        return [_user(r) for r in conn.execute(select(t).order_by(t.c.name))]


def set_disabled(store: Store, name: str, disabled: bool) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(schema.users).where(schema.users.c.name == name).values(disabled=int(disabled)))
        if disabled:
            uid = conn.execute(select(schema.users.c.id).where(schema.users.c.name == name)).scalar()
            conn.execute(delete(schema.sessions).where(schema.sessions.c.user_id == uid))


def setup_link_token(store: Store, name: str, hours: float = 48) -> str:
    """A one-time secret with which the user sets their own password."""
    secret = secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        conn.execute(
            update(schema.users)
            .where(schema.users.c.name == name)
            .values(setup_hash=_sha(secret), setup_expires=schema.now() + timedelta(hours=hours))
        )
    return secret


def user_for_setup(store: Store, secret: str) -> User | None:
    t = schema.users
    with store.engine.connect() as conn:
        r = conn.execute(select(t).where(t.c.setup_hash == _sha(secret))).first()
    if r is None or (schema.utc(r.setup_expires) or schema.now()) < schema.now():
        return None
    return _user(r)


def finish_setup(store: Store, secret: str, password: str) -> User:
    user = user_for_setup(store, secret)
    if user is None:
        raise AccountError("this setup link is not valid (used or expired)")
    set_password(store, user.name, password)
    with store.engine.begin() as conn:
        conn.execute(
            update(schema.users).where(schema.users.c.id == user.id).values(setup_hash=None, setup_expires=None)
        )
    return user


def set_password(store: Store, name: str, password: str) -> None:
    _check_password(password)
    with store.engine.begin() as conn:
        conn.execute(
            update(schema.users).where(schema.users.c.name == name).values(password_hash=_hasher.hash(password))
        )


def check_password(store: Store, name: str, password: str) -> User | None:
    t = schema.users
    with store.engine.connect() as conn:
        r = conn.execute(select(t).where(t.c.name == name)).first()
    stored = r.password_hash if r is not None and r.password_hash and not r.disabled else _DUMMY
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return _user(r) if r is not None and stored is not _DUMMY else None


# -- sessions ----------------------------------------------------------------------------------


def open_session(store: Store, user: User, hours: float) -> tuple[str, str]:
    """A new session: (cookie secret, CSRF token)."""
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        conn.execute(
            schema.sessions.insert().values(
                token_hash=_sha(secret), user_id=user.id, csrf=csrf, created_at=schema.now(),
                expires_at=schema.now() + timedelta(hours=hours),
            )
        )
    return secret, csrf


def session_for(store: Store, secret: str) -> Session | None:
    if not secret:
        return None
    s, u = schema.sessions, schema.users
    query = select(s.c.csrf, s.c.expires_at, u).join(u, u.c.id == s.c.user_id).where(s.c.token_hash == _sha(secret))
    with store.engine.connect() as conn:
        r = conn.execute(query).first()
    if r is None or r.disabled or (schema.utc(r.expires_at) or schema.now()) < schema.now():
        return None
    return Session(_user(r), r.csrf)


def close_session(store: Store, secret: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(delete(schema.sessions).where(schema.sessions.c.token_hash == _sha(secret)))


# -- API tokens --------------------------------------------------------------------------------


def parse_scopes(text: str) -> list[str]:
    scopes = [s.strip() for s in text.split(",") if s.strip()]
    wrong = [s for s in scopes if s not in SCOPES]
    if wrong or not scopes:
        raise AccountError(f"scopes must be a comma-separated list of {', '.join(SCOPES)}")
    return scopes


def add_token(store: Store, name: str, scopes: list[str], created_by: str) -> str:
    """A new token; the secret is returned once and only its hash is kept."""
    parse_scopes(",".join(scopes))
    secret = "na_" + secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        conn.execute(
            schema.api_tokens.insert().values(
                name=name, token_hash=_sha(secret), scopes=",".join(scopes), created_by=created_by,
                created_at=schema.now(),
            )
        )
    return secret


def _token(r: object) -> Token:
    return Token(
        r.id, r.name, r.scopes.split(","), r.created_by,  # type: ignore[attr-defined]
        schema.utc(r.created_at), schema.utc(r.revoked_at), schema.utc(r.last_used_at),  # type: ignore[attr-defined]
    )


def token_for(store: Store, secret: str) -> Token | None:
    if not secret:
        return None
    t = schema.api_tokens
    with store.engine.begin() as conn:
        r = conn.execute(select(t).where(t.c.token_hash == _sha(secret))).first()
        if r is None or r.revoked_at is not None:
            return None
        conn.execute(update(t).where(t.c.id == r.id).values(last_used_at=schema.now()))
    return _token(r)


def list_tokens(store: Store) -> list[Token]:
    t = schema.api_tokens
    with store.engine.connect() as conn:
        return [_token(r) for r in conn.execute(select(t).order_by(t.c.id))]


def revoke_token(store: Store, token_id: int) -> Token | None:
    t = schema.api_tokens
    with store.engine.begin() as conn:
        conn.execute(update(t).where(t.c.id == token_id, t.c.revoked_at.is_(None)).values(revoked_at=schema.now()))
        r = conn.execute(select(t).where(t.c.id == token_id)).first()
    return _token(r) if r else None


# -- audit -------------------------------------------------------------------------------------


def audit(store: Store, actor: str, action: str, target: str, before: object = None, after: object = None) -> None:
    """Record one change: who, when, what, before and after."""
    with store.engine.begin() as conn:
        conn.execute(
            schema.audit_log.insert().values(
                at=schema.now(), actor=actor, action=action, target=target,
                before_json=json.dumps(before, ensure_ascii=False, default=str),
                after_json=json.dumps(after, ensure_ascii=False, default=str),
            )
        )


def audit_entries(store: Store, limit: int = 200) -> list[AuditEntry]:
    t = schema.audit_log
    with store.engine.connect() as conn:
        rows = conn.execute(select(t).order_by(t.c.id.desc()).limit(limit)).all()
    return [
        AuditEntry(r.id, schema.utc(r.at), r.actor, r.action, r.target, json.loads(r.before_json),
                   json.loads(r.after_json))
        for r in rows
    ]


def audit_login(store: Store, name: str, ok: bool, address: str) -> None:
    """A login attempt in the audit log: the name tried (cut to fit) and the client's address,
    never the password. A failure is recorded under the address: the name is only a claim."""
    tried = name.strip()[:100]
    actor = f"user:{tried}" if ok else f"address:{address[:100]}"
    audit(store, actor, "login.ok" if ok else "login.failed", tried, None, {"address": address})
