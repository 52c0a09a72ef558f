"""Session feedback and follow-up tasks of the demo practice.

Feedback follows PCOMS practice: the Session Rating Scale (alliance, mostly 36-40) and the
Outcome Rating Scale (distress, improving over an episode) on most therapy sessions, PHQ-9 and
GAD-7 at intake and now and then. Tasks are the ones the dashboard's rules create, keyed as the
conventions say: outreach after no-shows and late cancels, alliance checks after a low SRS,
post-discharge follow-ups, re-engagement of clients gone quiet, and treatment-plan reviews.
"""

from __future__ import annotations

import numpy as np

from db.demo_calendar import MINUTES_PER_DAY, Calendar
from db.demo_clients import NONE, Clients
from db.demo_staff import Clinician
from db.demo_visits import SERVICE, STATUS, Visits
from db.vocab import LOW_ALLIANCE_SRS

FRONT_DESK = -1
THERAPY = [SERVICE["intake"], SERVICE["individual"], SERVICE["family"]]
BIG = np.iinfo(np.int64).max // 4
OUTREACH_NOTES = np.array(
    [
        "Left voicemail",
        "Spoke with client; rebooked",
        "Sent portal message",
        "Client will call back",
    ],
    dtype=object,
)


def session_numbers(visits: Visits) -> np.ndarray:
    """1 for each client's first row, 2 for the second, ... in start order."""
    order = np.lexsort((visits.start, visits.client))
    sorted_client = visits.client[order]
    first = np.searchsorted(sorted_client, sorted_client, side="left")
    numbers = np.empty(len(visits), dtype=np.int64)
    numbers[order] = np.arange(len(visits)) - first + 1
    return numbers


def feedback(visits: Visits, cal: Calendar, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Scores for most kept sessions: SRS/ORS on therapy (and on some groups), PHQ-9/GAD-7
    at intake, now and then later, and at medication visits."""
    n_clients = int(visits.client.max()) + 1 if len(visits) else 0
    alliance = np.clip(rng.normal(37.9, 1.3, n_clients), 31.0, 40.0)
    distress = np.clip(rng.normal(19.0, 6.0, n_clients), 3.0, 35.0)
    mood = np.clip(rng.normal(13.0, 5.0, n_clients), 0.0, 27.0)
    worry = np.clip(rng.normal(11.0, 4.0, n_clients), 0.0, 21.0)
    kept = (visits.status == STATUS["completed"]) & (
        visits.start + visits.duration <= cal.now_minute
    )
    service = visits.service
    u = rng.random((3, len(visits)))
    p_rating = np.select(
        [np.isin(service, THERAPY), service == SERVICE["group"]], [0.86, 0.55], default=0.0
    )
    rated = kept & (u[0] < p_rating)
    p_scales = np.select(
        [
            service == SERVICE["intake"],
            service == SERVICE["med_management"],
            np.isin(service, THERAPY),
        ],
        [0.9, 0.5, 0.15],
        default=0.0,
    )
    screened = kept & (u[1] < p_scales)
    rows = np.flatnonzero(rated | screened)
    client = visits.client[rows]
    number = session_numbers(visits)[rows]
    gain = 1.0 - np.exp(-number / 10.0)
    noise = rng.normal(0.0, 1.0, (4, len(rows)))
    srs = np.clip(alliance[client] + 0.05 * np.minimum(number, 20) + noise[0], 0, 40).round(1)
    ors = np.clip(distress[client] + 9.0 * gain + 2.5 * noise[1], 0, 40).round(1)
    phq9 = np.clip(np.rint(mood[client] - 5.0 * gain + 2.0 * noise[2]), 0, 27).astype(np.int64)
    gad7 = np.clip(np.rint(worry[client] - 4.0 * gain + 2.0 * noise[3]), 0, 21).astype(np.int64)
    has_rating = rated[rows]
    has_scales = screened[rows]
    gad_too = has_scales & (u[2][rows] < 0.85)
    return {
        "row": rows,
        "srs": np.where(has_rating, srs, np.nan),
        "ors": np.where(has_rating, ors, np.nan),
        "phq9": np.where(has_scales, phq9, NONE),
        "gad7": np.where(gad_too, gad7, NONE),
    }


TASK_COLUMNS = (
    "kind", "rule_key", "created", "due_day", "client", "appointment", "assignee", "status",
    "completed", "note",
)  # fmt: skip


class TaskColumns:
    """Tasks gathered rule by rule, as columns."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(
        self,
        kind: str,
        rule_key: np.ndarray,
        created: np.ndarray,
        due_day: np.ndarray,
        client: np.ndarray,
        assignee: np.ndarray,
        status: np.ndarray,
        completed: np.ndarray,
        appointment: np.ndarray | None = None,
        note: np.ndarray | None = None,
    ) -> None:
        n = len(created)
        self.parts.append(
            {
                "kind": np.full(n, kind, dtype=object),
                "rule_key": rule_key,
                "created": created,
                "due_day": due_day,
                "client": client,
                "appointment": np.full(n, NONE) if appointment is None else appointment,
                "assignee": assignee,
                "status": status,
                "completed": completed,
                "note": np.full(n, None, dtype=object) if note is None else note,
            }
        )

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: np.concatenate([part[name] for part in self.parts]) for name in TASK_COLUMNS}


class TaskBuilder:
    """The rule-generated tasks of the history, each with a plausible life: most done, some
    late, a few still open past their due date."""

    def __init__(
        self,
        visits: Visits,
        appointment_ids: np.ndarray,
        clients: Clients,
        client_ids: np.ndarray,
        staff: list[Clinician],
        cal: Calendar,
        rng: np.random.Generator,
    ) -> None:
        self.v = visits
        self.appointment_ids = appointment_ids
        self.clients = clients
        self.client_ids = client_ids
        self.cal = cal
        self.rng = rng
        self.leave = np.array(
            [c.leave_week * 7 * MINUTES_PER_DAY if c.leave_week is not None else BIG for c in staff]
            + [BIG],  # the front desk (index -1) never leaves
            dtype=np.int64,
        )
        self.out = TaskColumns()
        self.dates = np.datetime64(cal.first_monday, "D")

    def build(
        self, srs: np.ndarray, events: dict[str, np.ndarray], event_ids: np.ndarray
    ) -> dict[str, np.ndarray]:
        self._outreach()
        self._alliance(srs)
        self._post_discharge(events, event_ids)
        self._re_engagement()
        self._plan_reviews()
        return self.out.arrays()

    # --- life of a task --------------------------------------------------------------------

    def _resolve(
        self,
        created: np.ndarray,
        due_day: np.ndarray,
        assignee: np.ndarray,
        on_time: float,
        never: float,
        cancel: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        n = len(created)
        u = self.rng.random((4, n))
        due = (due_day + 1) * MINUTES_PER_DAY
        span = np.maximum(due - created, 60)
        late = span + (u[1] * 10 * MINUTES_PER_DAY).astype(np.int64)
        delay = np.where(u[0] < on_time, 10 + (u[1] * (span - 10)).astype(np.int64), late)
        completed = created + delay
        status = np.where(u[2] < cancel, "cancelled", "done").astype(object)
        still_open = (completed > self.cal.now_minute) | (u[3] < never)
        status[still_open] = "open"
        completed[still_open] = NONE
        # A clinician who left closed or handed off what they had.
        leave = self.leave[assignee]
        gone = (leave < BIG) & ((status == "open") | (completed > leave))
        status[gone] = "cancelled"
        completed[gone] = np.maximum(leave[gone], created[gone] + 60)
        return status, completed

    def _due_next_workday(self, created: np.ndarray, days: int) -> np.ndarray:
        due = created // MINUTES_PER_DAY + days
        weekday = due % 7
        return due + np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))

    def _assignee(self, clinician: np.ndarray, created: np.ndarray) -> np.ndarray:
        """The clinician, or the front desk when the task arose after that clinician left."""
        return np.where(created < self.leave[clinician], clinician, FRONT_DESK)

    def _date_text(self, days: np.ndarray) -> np.ndarray:
        return np.datetime_as_string(self.dates + days.astype("timedelta64[D]"), unit="D").astype(
            object
        )

    # --- the rules -------------------------------------------------------------------------

    def _outreach(self) -> None:
        v, now = self.v, self.cal.now_minute
        late = (v.status == STATUS["late_cancel"]) | (
            (v.status == STATUS["cancelled_client"]) & (v.start - v.cancelled < MINUTES_PER_DAY)
        )
        noshow = v.status == STATUS["no_show"]
        rows = np.flatnonzero((late | noshow) & (v.start < now))
        u = self.rng.random(len(rows))
        created = np.where(
            noshow[rows],
            v.start[rows] + v.duration[rows] + 5 + (u * 55).astype(np.int64),
            v.cancelled[rows] + 5 + (u * 115).astype(np.int64),
        )
        rows, created = rows[created <= now], created[created <= now]
        due = self._due_next_workday(created, 1)
        assignee = np.full(len(rows), FRONT_DESK)
        status, completed = self._resolve(created, due, assignee, 0.85, 0.02, 0.04)
        notes = OUTREACH_NOTES[self.rng.integers(len(OUTREACH_NOTES), size=len(rows))]
        self.out.add(
            kind="outreach",
            rule_key="outreach:" + self.appointment_ids[rows],
            created=created,
            due_day=due,
            client=v.client[rows],
            appointment=rows,
            assignee=assignee,
            status=status,
            completed=completed,
            note=np.where(status == "done", notes, None),
        )

    def _alliance(self, srs: np.ndarray) -> None:
        v = self.v
        rows = np.flatnonzero(~np.isnan(srs) & (srs < LOW_ALLIANCE_SRS))
        created = (
            v.start[rows]
            + v.duration[rows]
            + 30
            + (self.rng.random(len(rows)) * 270).astype(np.int64)
        )
        rows, created = (
            rows[created <= self.cal.now_minute],
            created[created <= self.cal.now_minute],
        )
        due = created // MINUTES_PER_DAY + 7
        assignee = v.clinician[rows]
        status, completed = self._resolve(created, due, assignee, 0.8, 0.05, 0.03)
        self.out.add(
            kind="alliance_check",
            rule_key="alliance_check:" + self.appointment_ids[rows],
            created=created,
            due_day=due,
            client=v.client[rows],
            appointment=rows,
            assignee=assignee,
            status=status,
            completed=completed,
        )

    def _post_discharge(self, events: dict[str, np.ndarray], event_ids: np.ndarray) -> None:
        """After a hospital discharge, a visit within seven days (HEDIS FUH): done when the
        client was seen, often closed or still open when they were not."""
        for timely, odds in ((True, (0.9, 0.05, 0.02)), (False, (0.2, 0.4, 0.3))):
            chosen = np.flatnonzero((events["kind"] == 0) & (events["timely"] == timely))
            client = events["client"][chosen]
            day = events["occurred"][chosen] // MINUTES_PER_DAY
            created = (day + 1) * MINUTES_PER_DAY + 9 * 60
            keep = created <= self.cal.now_minute
            chosen, client, day, created = chosen[keep], client[keep], day[keep], created[keep]
            due = day + 7
            primary = self.clients.primary[client]
            assignee = np.where(
                primary >= 0, self._assignee(np.maximum(primary, 0), created), FRONT_DESK
            )
            status, completed = self._resolve(created, due, assignee, *odds)
            self.out.add(
                kind="post_discharge",
                rule_key="post_discharge:" + event_ids[chosen],
                created=created,
                due_day=due,
                client=client,
                assignee=assignee,
                status=status,
                completed=completed,
            )

    def _re_engagement(self) -> None:
        """Clients on a caseload whose last visit is over 30 days old, with nothing booked."""
        c, today = self.clients, self.cal.today_day
        held = np.isin(self.v.status, [STATUS[s] for s in ("scheduled", "confirmed", "checked_in")])
        booked = np.zeros(len(c.primary), dtype=bool)
        booked[self.v.client[held]] = True
        last = c.last_visit_day
        opens = last + 31
        quiet = (
            c.kept
            & (c.primary >= 0)
            & (last >= 0)
            & (opens <= today)
            & ~booked
            & (opens >= self.cal.history_day)
            & ((c.discharge_day == NONE) | (c.discharge_day > opens))
        )
        client = np.flatnonzero(quiet)
        created = opens[client] * MINUTES_PER_DAY + 9 * 60
        due = opens[client] + 7
        assignee = self._assignee(c.primary[client], created)
        status, completed = self._resolve(created, due, assignee, 0.3, 0.5, 0.1)
        discharged = c.discharge_day[client] != NONE
        status[discharged] = "done"
        completed[discharged] = c.discharge_day[client][discharged] * MINUTES_PER_DAY + 10 * 60
        key = "re_engagement:" + self.client_ids[client] + ":" + self._date_text(last[client])
        self.out.add(
            kind="re_engagement",
            rule_key=key,
            created=created,
            due_day=due,
            client=client,
            assignee=assignee,
            status=status,
            completed=completed,
        )

    def _plan_reviews(self) -> None:
        """Treatment plans reviewed every 90 days from intake while the client is in care."""
        c, cal = self.clients, self.cal
        last_due = np.where(c.discharge_day == NONE, cal.today_day + 14, c.discharge_day - 1)
        eligible = c.kept & (c.primary >= 0) & (c.intake_day <= cal.today_day)
        reviews = np.where(eligible, np.maximum((last_due - c.intake_day) // 90, 0), 0)
        client = np.repeat(np.arange(len(reviews)), reviews)
        number = np.arange(len(client)) - np.repeat(np.cumsum(reviews) - reviews, reviews) + 1
        due = c.intake_day[client] + 90 * number
        keep = due >= cal.history_day
        client, due = client[keep], due[keep]
        created = (due - 14) * MINUTES_PER_DAY + 8 * 60
        moved = (c.transfer_day[client] != NONE) & (due < c.transfer_day[client])
        assignee = self._assignee(
            np.where(moved, c.first_clinician[client], c.primary[client]), created
        )
        status, completed = self._resolve(created, due, assignee, 0.8, 0.06, 0.03)
        key = "plan_review:" + self.client_ids[client] + ":" + self._date_text(due)
        self.out.add(
            kind="plan_review",
            rule_key=key,
            created=created,
            due_day=due,
            client=client,
            assignee=assignee,
            status=status,
            completed=completed,
        )
