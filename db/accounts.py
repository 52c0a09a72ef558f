"""Users, server-side login sessions and login attempts: the persistence behind dashboard.auth."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import Clinician, LoginAttempt, User, UserSession
from db.vocab import ROLES


class AccountError(ValueError):
    """A user-management request that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class SessionUser:
    """The logged-in user as the server knows them for one request."""

    user_id: int
    username: str
    role: str
    clinician_id: str | None
    token_hash: str

    # Flask-Login's protocol.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.user_id)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- users -------------------------------------------------------------------------------------


def get_user(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def _require_user(session: Session, username: str) -> User:
    user = get_user(session, username)
    if user is None:
        raise AccountError(f"no user named {username!r}")
    return user


def _check_role(session: Session, role: str, clinician_id: str | None) -> None:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if role == "clinician":
        if not clinician_id:
            raise AccountError("a clinician user needs --clinician (the practice's clinician id)")
        if session.get(Clinician, clinician_id) is None:
            raise AccountError(f"no clinician with id {clinician_id!r}")


def add_user(
    db: Database,
    username: str,
    password_hash: str,
    role: str,
    clinician_id: str | None,
    now: dt.datetime,
) -> None:
    username = username.strip()
    if not username or len(username) > 100:
        raise AccountError("a username needs 1 to 100 characters")
    with db.write() as session:
        if get_user(session, username) is not None:
            raise AccountError(f"a user named {username!r} already exists")
        _check_role(session, role, clinician_id)
        session.add(
            User(
                username=username,
                password_hash=password_hash,
                role=role,
                clinician_id=clinician_id if role == "clinician" else None,
                active=True,
                auth_version=1,
                created_at=now,
            )
        )


def list_users(db: Database) -> list[User]:
    with db.write() as session:
        return list(session.execute(select(User).order_by(User.username)).scalars())


def _revoke(session: Session, user: User, now: dt.datetime, reason: str) -> None:
    user.auth_version += 1
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )


def set_active(db: Database, username: str, active: bool, now: dt.datetime) -> None:
    """Enable or disable a user; disabling ends every session of theirs at once."""
    with db.write() as session:
        user = _require_user(session, username)
        user.active = active
        if not active:
            _revoke(session, user, now, "disabled")


def set_password(db: Database, username: str, password_hash: str, now: dt.datetime) -> None:
    with db.write() as session:
        user = _require_user(session, username)
        user.password_hash = password_hash
        _revoke(session, user, now, "password_changed")


def set_role(
    db: Database, username: str, role: str, clinician_id: str | None, now: dt.datetime
) -> None:
    """Change a user's role (and linked clinician); their sessions end at once."""
    with db.write() as session:
        user = _require_user(session, username)
        clinician_id = clinician_id or (user.clinician_id if role == "clinician" else None)
        _check_role(session, role, clinician_id)
        user.role = role
        user.clinician_id = clinician_id if role == "clinician" else None
        _revoke(session, user, now, "role_changed")


def ensure_user(
    db: Database,
    username: str,
    password_hash: str,
    role: str,
    clinician_id: str | None,
    now: dt.datetime,
) -> None:
    """Create the user, or reset an existing one to this password, role and clinician."""
    with db.write() as session:
        user = get_user(session, username)
        if user is None:
            session.add(
                User(
                    username=username,
                    password_hash=password_hash,
                    role=role,
                    clinician_id=clinician_id,
                    active=True,
                    auth_version=1,
                    created_at=now,
                )
            )
            return
        changed = user.role != role or user.clinician_id != clinician_id or not user.active
        user.password_hash, user.role, user.clinician_id, user.active = (
            password_hash,
            role,
            clinician_id,
            True,
        )
        if changed:
            _revoke(session, user, now, "role_changed")


def first_clinician_id(db: Database) -> str | None:
    """The clinician whose practice id sorts first (the demo clinician login)."""
    with db.read() as conn:
        return conn.execute(
            select(Clinician.clinician_id).order_by(Clinician.clinician_id).limit(1)
        ).scalar()


# --- sessions ----------------------------------------------------------------------------------


def start_session(db: Database, user: User, now: dt.datetime) -> str:
    """Mint a new session for ``user``; returns the random token for the cookie."""
    token = secrets.token_urlsafe(32)
    with db.write() as session:
        session.add(
            UserSession(
                token_hash=token_digest(token),
                user_id=user.id,
                auth_version=user.auth_version,
                created_at=now,
                last_active_at=now,
            )
        )
    return token


@dataclass(frozen=True)
class SessionState:
    user: SessionUser | None
    ended_reason: str | None = None


def resolve_session(
    db: Database,
    token: str,
    now: dt.datetime,
    *,
    idle: dt.timedelta,
    lifetime: dt.timedelta,
    activity: bool,
    touch_every: dt.timedelta = dt.timedelta(seconds=20),
) -> SessionState:
    """Find the live session behind ``token``, ending it if it has timed out or was revoked.

    ``activity`` says whether this request is the user's own doing (timers and polling are
    not), and only then moves the idle clock forward.
    """
    digest = token_digest(token)
    with db.read() as conn:
        row = conn.execute(
            select(
                UserSession.created_at,
                UserSession.last_active_at,
                UserSession.ended_at,
                UserSession.end_reason,
                UserSession.auth_version,
                User.id,
                User.username,
                User.role,
                User.clinician_id,
                User.active,
                User.auth_version.label("user_auth_version"),
            )
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.token_hash == digest)
        ).one_or_none()
    if row is None:
        return SessionState(None, "unknown")
    if row.ended_at is not None:
        return SessionState(None, row.end_reason or "ended")
    reason = _expiry_reason(row, now, idle, lifetime)
    if reason:
        _end(db, digest, now, reason)
        return SessionState(None, reason)
    # Reads stay reads: the idle clock is written at most every ``touch_every``.
    if activity and now - row.last_active_at >= touch_every:
        with db.write() as session:
            session.execute(
                update(UserSession)
                .where(UserSession.token_hash == digest, UserSession.ended_at.is_(None))
                .values(last_active_at=now)
            )
    return SessionState(SessionUser(row.id, row.username, row.role, row.clinician_id, digest))


def _expiry_reason(row, now: dt.datetime, idle: dt.timedelta, lifetime: dt.timedelta) -> str | None:  # type: ignore[no-untyped-def]
    if not row.active:
        return "disabled"
    if row.user_auth_version != row.auth_version:
        return "revoked"
    if now - row.created_at > lifetime:
        return "lifetime"
    if now - row.last_active_at > idle:
        return "idle"
    return None


def _end(db: Database, digest: str, now: dt.datetime, reason: str) -> None:
    with db.write() as session:
        session.execute(
            update(UserSession)
            .where(UserSession.token_hash == digest, UserSession.ended_at.is_(None))
            .values(ended_at=now, end_reason=reason)
        )


def end_session(db: Database, token: str, now: dt.datetime, reason: str = "logout") -> None:
    _end(db, token_digest(token), now, reason)


# --- login attempts ----------------------------------------------------------------------------


def record_login_attempt(
    db: Database, username: str, remote_addr: str | None, success: bool, now: dt.datetime
) -> None:
    with db.write() as session:
        session.add(
            LoginAttempt(at=now, username=username[:100], remote_addr=remote_addr, success=success)
        )


def recent_failures(
    db: Database, username: str, remote_addr: str | None, since: dt.datetime
) -> tuple[int, int]:
    """Failed logins since ``since``: (for this username, from this address)."""
    failed = (LoginAttempt.success.is_(False), LoginAttempt.at >= since)
    with db.read() as conn:
        by_user = conn.execute(
            select(func.count()).where(*failed, LoginAttempt.username == username[:100])
        ).scalar_one()
        by_addr = conn.execute(
            select(func.count()).where(*failed, LoginAttempt.remote_addr == remote_addr)
        ).scalar_one()
    return int(by_user), int(by_addr)
