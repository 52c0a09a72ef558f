"""Configuration from the environment, read once into an immutable Settings."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TRUE_WORDS = {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """The environment does not describe a runnable careboard."""


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in TRUE_WORDS


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def default_instance_path(env: Mapping[str, str] | None = None) -> Path:
    """The instance folder: CAREBOARD_INSTANCE, else ./instance under the working directory."""
    env = os.environ if env is None else env
    return Path(env.get("CAREBOARD_INSTANCE") or Path.cwd() / "instance").resolve()


def _generated_secret(instance: Path, *, persist: bool) -> str:
    """A random key; in demo mode kept in the instance folder, so that every worker (and the
    next start) signs cookies with the same key."""
    if not persist:
        return secrets.token_hex(32)
    path = instance / "demo_secret_key"
    instance.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another worker may be writing it right now
            value = path.read_text().strip()
            if value:
                return value
            time.sleep(0.05)
        raise ConfigError(f"{path} is empty; delete it and start again") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    practice_tz: str = "America/Chicago"
    redis_url: str | None = None
    database_read_url: str | None = None
    demo: bool = False
    instance_path: Path = field(default_factory=default_instance_path)
    late_cancel_hours: float = 24.0
    waitlist_target_routine_days: int = 14
    waitlist_target_urgent_days: int = 1
    session_idle_minutes: float = 15.0
    session_max_hours: float = 12.0
    statement_timeout_ms: int = 15000
    secure_cookies: bool = False
    secret_key_generated: bool = False
    testing: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.practice_tz)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        demo: bool = False,
        require_secret: bool = True,
    ) -> Settings:
        """Read the environment; refuse a non-demo web start without a SECRET_KEY.

        Commands that serve no web requests pass ``require_secret=False``.
        """
        env = os.environ if env is None else env
        demo = demo or _flag(env, "CAREBOARD_DEMO")
        instance = default_instance_path(env)
        url = env.get("DATABASE_URL", "").strip() or f"sqlite:///{instance / 'careboard.db'}"
        secret = env.get("SECRET_KEY", "").strip()
        generated = False
        if not secret:
            if not demo and require_secret:
                raise ConfigError(
                    "SECRET_KEY is not set. Set it to a long random string "
                    "(python -c 'import secrets; print(secrets.token_hex(32))'), "
                    "or run in demo mode with --demo or CAREBOARD_DEMO=1."
                )
            secret, generated = _generated_secret(instance, persist=demo), True
        tz = env.get("PRACTICE_TZ", "").strip() or "America/Chicago"
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"PRACTICE_TZ {tz!r} is not a known time zone") from exc
        return cls(
            database_url=url,
            secret_key=secret,
            practice_tz=tz,
            redis_url=env.get("REDIS_URL", "").strip() or None,
            database_read_url=env.get("DATABASE_READ_URL", "").strip() or None,
            demo=demo,
            instance_path=instance,
            late_cancel_hours=_number(env, "LATE_CANCEL_HOURS", 24.0),
            waitlist_target_routine_days=int(_number(env, "WAITLIST_TARGET_ROUTINE_DAYS", 14)),
            waitlist_target_urgent_days=int(_number(env, "WAITLIST_TARGET_URGENT_DAYS", 1)),
            session_idle_minutes=_number(env, "SESSION_IDLE_MINUTES", 15.0),
            session_max_hours=_number(env, "SESSION_MAX_HOURS", 12.0),
            statement_timeout_ms=int(_number(env, "STATEMENT_TIMEOUT_MS", 15000)),
            secure_cookies=_flag(env, "CAREBOARD_HTTPS"),
            secret_key_generated=generated,
        )
