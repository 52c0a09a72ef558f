"""The demo logins: only in demo mode, each with the published password."""

from __future__ import annotations

import datetime as dt

from dashboard.auth.passwords import hash_password
from dashboard.auth.web import DEMO_PASSWORD, DEMO_USERS
from db.accounts import ensure_user, first_clinician_id
from db.engine import Database


def ensure_demo_users(db: Database, now: dt.datetime) -> None:
    """Make sure director, frontdesk and clinician exist with the demo password; clinician is
    linked to the clinician whose practice id sorts first."""
    clinician_id = first_clinician_id(db)
    for username, role in DEMO_USERS.items():
        if role == "clinician" and clinician_id is None:
            continue
        linked = clinician_id if role == "clinician" else None
        ensure_user(db, username, hash_password(DEMO_PASSWORD), role, linked, now)
