"""A director's "create an outreach task" for clients lost to follow-up: re-engagement tasks
made through the task queue (``db.task_queue.create_task``), in one audited transaction.

The rule key is the one the task rules use (``re_engagement:{client_id}:{last visit date}``,
the intake date when there was no visit), so a task made here and a generated one are the same
task: a second click, or the nightly rules, create nothing more. A client who already has an
open re-engagement task (generated, imported or made here) gets no second one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.audit import Actor, audit_values, record_in
from db.engine import Database
from db.meta import bump_data_version
from db.models import Clinician, Task
from db.task_queue import RE_ENGAGEMENT, create_task, end_of_day

DUE_DAYS = 7


@dataclass
class OutreachResult:
    """Client ids by what became of them."""

    created: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # an open or finished task for this lapse
    no_clinician: list[str] = field(default_factory=list)  # primary clinician not active
    not_lost: list[str] = field(default_factory=list)  # no longer lost to follow-up

    def message(self) -> str:
        parts = [f"{len(self.created)} re-engagement task(s) created"]
        if self.already:
            parts.append(f"{len(self.already)} already had one")
        if self.no_clinician:
            parts.append(
                f"{len(self.no_clinician)} skipped: primary clinician not active "
                "(assign them on the Tasks page)"
            )
        if self.not_lost:
            parts.append(f"{len(self.not_lost)} no longer lost to follow-up")
        return "; ".join(parts) + "."


def rule_key(client_id: str, since: dt.date) -> str:
    return f"{RE_ENGAGEMENT}:{client_id}:{since.isoformat()}"


def _since(row: pd.Series, as_of_date: dt.date) -> dt.date:
    """The last visit date, or the intake date without one (as the task rules key it)."""
    return as_of_date - dt.timedelta(days=int(row["days_since"]))


def create_re_engagement_tasks(
    db: Database,
    lost: pd.DataFrame,
    chosen: list[str],
    *,
    as_of_date: dt.date,
    actor: Actor,
    target: str,
    now: dt.datetime,
) -> OutreachResult:
    """For each chosen client still in ``lost`` (``engagement.lost_to_follow_up_clients`` as
    of now), a re-engagement task for their primary clinician, due by the end of the 7th day
    from today; one transaction, audited in it, data version bumped when anything changed."""
    result = OutreachResult()
    by_client = lost.set_index("client_id")
    with db.write() as session:
        active = set(
            session.execute(
                select(Clinician.clinician_id).where(Clinician.active.is_(True))
            ).scalars()
        )
        open_tasks = set(
            session.execute(
                select(Task.client_id).where(
                    Task.kind == RE_ENGAGEMENT, Task.status == "open", Task.client_id.in_(chosen)
                )
            ).scalars()
        )
        for client_id in dict.fromkeys(chosen):
            if client_id not in by_client.index:
                result.not_lost.append(client_id)
                continue
            row = by_client.loc[client_id]
            since = _since(row, as_of_date)
            if client_id in open_tasks or _key_exists(session, rule_key(client_id, since)):
                result.already.append(client_id)
                continue
            if row["primary_clinician_id"] not in active:
                result.no_clinician.append(client_id)
                continue
            what = "Last visit" if row["last_visit"] is not None else "No visit since intake"
            create_task(
                session,
                kind=RE_ENGAGEMENT,
                client_id=client_id,
                assignee=row["primary_clinician_id"],
                due_at=end_of_day(now.date() + dt.timedelta(days=DUE_DAYS)),
                due_date_only=True,
                note=f"{what} {since:%Y-%m-%d} and nothing booked: reach out to re-engage.",
                rule_key=rule_key(client_id, since),
                now=now,
            )
            result.created.append(client_id)
        record_in(
            session,
            audit_values(
                actor,
                "write",
                target,
                "ok",
                now,
                client_ids=result.created + result.already,
                row_count=len(result.created),
                detail=result.message(),
            ),
        )
        if result.created:
            bump_data_version(session)
    return result


def _key_exists(session: Session, key: str) -> bool:
    return session.execute(select(Task.task_id).where(Task.rule_key == key)).first() is not None
