"""Engagement and follow-up (metrics.md): lost to follow-up, early engagement, follow-up after
hospital discharge (HEDIS FUH 7 and 30 days) and session feedback (SRS/ORS).

Lost to follow-up, early engagement and FUH are about clients (client filters, grouped by the
client's primary clinician, program and that clinician's home location); feedback_rate and
low_alliance_sessions are about appointments (appointment filters, modality included). "Visits"
are past kept appointments of any type but group; a counted client's visits with any clinician
count. Each rule is one query: clients' lookups by the (client_id, start_at) indexes, first
visits from the visit sequence rollup (``db.visit_sequence``), feedback counts per start moment
for many periods at once; no appointment is loaded into memory.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Connection, and_, exists, func, literal, or_, select

from dashboard.metrics.appointment_days import (
    day_of,
    every_clinician,
    in_day_span,
    reads_day_index,
)
from dashboard.metrics.common import (
    Filters,
    Period,
    Rules,
    active_client_condition,
    appointment_conditions,
    client_conditions,
    in_period,
    is_held,
    is_held_plainly,
    is_kept,
    is_visit,
    is_visit_row,
    rate,
    ratio,
)
from dashboard.metrics.grouping import (
    DIMENSIONS,
    PRACTICE,
    appointment_group_column,
    check_dimension,
    client_group_column,
    count_if,
    day_number,
    frame,
    grouped_rows,
    join_appointment_client,
    join_home,
    merge_groups,
    packed_rows,
    repeat_for_modalities,
    sorted_group,
    span_of,
    split_moment,
    with_group,
)
from dashboard.metrics.sqlfn import (
    MONDAY_OFFSET,
    day_after,
    epoch_day,
    epoch_microsecond,
    monday_of_week,
    start_day,
)
from db.engine import read_beside
from db.models import Appointment, CareEvent, Client, VisitSequence
from db.timeutil import day_start
from db.vocab import FEEDBACK_LOW, FEEDBACK_SCORED

KEYS: tuple[str, ...] = (
    "lost_to_follow_up",
    "early_engagement_rate",
    "fuh7_rate",
    "fuh30_rate",
    "feedback_rate",
    "low_alliance_sessions",
)
ZERO_KEYS: frozenset[str] = frozenset({"lost_to_follow_up", "low_alliance_sessions"})
EARLY_ENGAGEMENT_DAYS = 30
FUH_WINDOWS = (7, 30)
HOSPITAL_DISCHARGE = "hospital_discharge"
EPOCH = dt.date(1970, 1, 1)
MICROSECONDS_PER_DAY = 86_400_000_000


def _microsecond_number(moment: dt.datetime) -> int:
    """``epoch_microsecond`` of a moment, in Python: moments fetched as these whole numbers
    compare in numpy exactly as they do in SQL."""
    return (moment - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)


# --- lost to follow-up --------------------------------------------------------------------------


def _visit_of_client() -> ColumnElement[bool]:
    return Appointment.client_id == Client.client_id


def _lost_condition(period: Period, rules: Rules) -> ColumnElement[bool]:
    """No held appointment at or after as-of, and the last visit (or, with none, the intake)
    more than ``lost_after_days`` days before the as-of date."""
    cutoff_date = period.as_of_date - dt.timedelta(days=rules.lost_after_days)
    cutoff = day_start(cutoff_date)  # a visit on or after this date is recent enough
    visit = and_(_visit_of_client(), is_visit(period))
    upcoming = exists().where(
        _visit_of_client(), is_held(rules), Appointment.start_at >= period.as_of
    )
    recent_visit = exists().where(visit, Appointment.start_at >= cutoff)
    old_visit = exists().where(visit, Appointment.start_at < cutoff)
    return and_(
        ~upcoming,
        ~recent_visit,
        or_(old_visit, Client.intake_date < cutoff_date),
    )


def _active_clients(period: Period, filters: Filters) -> list[ColumnElement[bool]]:
    return [active_client_condition(period.as_of_date), *client_conditions(filters)]


def _lost_to_follow_up(
    conn: Connection, period: Period, filters: Filters, rules: Rules, by: str | None
) -> dict[Any, dict[str, Any]]:
    column = sorted_group(client_group_column(by))
    stmt = with_group(
        select(count_if(_lost_condition(period, rules)).label("lost"))
        .select_from(join_home(Client.__table__, by))
        .where(*_active_clients(period, filters)),
        column,
    )
    return {
        group: {"lost_to_follow_up": int(row.lost or 0)}
        for group, row in grouped_rows(conn, stmt, column).items()
    }


def lost_to_follow_up_clients(
    conn: Connection, period: Period, filters: Filters, rules: Rules
) -> pd.DataFrame:
    """The clients counted in ``lost_to_follow_up``, longest gap first: last visit (None when
    there was none) and whole days since it (since the intake date when there was none)."""
    last_visit = (
        select(func.max(Appointment.start_at))
        .where(_visit_of_client(), is_visit(period))
        .scalar_subquery()
    )
    stmt = select(
        Client.client_id, Client.primary_clinician_id, Client.intake_date, last_visit.label("last")
    ).where(*_active_clients(period, filters), _lost_condition(period, rules))
    records = []
    for row in conn.execute(stmt):
        last = row.last.date() if row.last is not None else None
        since = last if last is not None else row.intake_date
        records.append(
            {
                "client_id": row.client_id,
                "primary_clinician_id": row.primary_clinician_id,
                "last_visit": last,
                "days_since": (period.as_of_date - since).days,
            }
        )
    columns = ["client_id", "primary_clinician_id", "last_visit", "days_since"]
    result = pd.DataFrame.from_records(records, columns=columns)
    result = result.sort_values(["days_since", "client_id"], ascending=[False, True])
    return result.astype({"days_since": "int64"}).reset_index(drop=True)


def lost_by_week(
    conn: Connection, weeks: Sequence[Period], filters: Filters, rules: Rules
) -> list[int]:
    """``lost_to_follow_up`` as of each week's own as-of, from one read of the clients.

    With H the start of the client's last held appointment and V that of their last visit
    (both over all time), a client is lost as of t exactly when no held appointment starts at
    or after t (H < t, or none), hence every visit started before t, and so the last visit
    before t is V: it must be before the cutoff, or, with none, the intake date must be. H and
    V are looked up once per client, by index, and each as-of is then a few array comparisons
    (in SQL, one sum per as-of over every client cost more than the lookups)."""
    if not weeks:
        return []
    clients = _ClientMoments.read(conn, weeks, filters, rules)
    return [clients.lost_as_of(week, rules) for week in weeks]


@dataclasses.dataclass(frozen=True)
class _ClientMoments:
    """Per client that may be active as of some week: intake and discharge day numbers (no
    discharge: past every day), the last held appointment's start in epoch microseconds and
    the last visit's day number (each only where ``has_held`` / ``has_visit``)."""

    intake: np.ndarray
    discharge: np.ndarray
    held: np.ndarray
    visit: np.ndarray
    has_held: np.ndarray
    has_visit: np.ndarray

    @classmethod
    def read(
        cls, conn: Connection, weeks: Sequence[Period], filters: Filters, rules: Rules
    ) -> _ClientMoments:
        first = min(week.as_of_date for week in weeks)
        last = max(week.as_of_date for week in weeks)
        of_client = Appointment.client_id == Client.client_id
        # is_held without its CASE: PostgreSQL then reads each client's newest appointments
        # backwards to the first held one, not all of them (0.5 s -> 0.1 s a year at 1M).
        last_held = select(func.max(Appointment.start_at)).where(of_client, is_held_plainly(rules))
        last_visit = select(func.max(Appointment.start_at)).where(of_client, is_visit_row())
        clients = (
            select(
                Client.intake_date.label("intake"),
                Client.discharge_date.label("discharge"),
                last_held.scalar_subquery().label("held"),
                last_visit.scalar_subquery().label("visit"),
            )
            .where(
                Client.primary_clinician_id.is_not(None),
                Client.intake_date <= last,
                or_(Client.discharge_date.is_(None), Client.discharge_date > first),
                *client_conditions(filters),
            )
            # Materialized, so each lookup runs once, not once per use in the numbers below.
            .cte("client_last_moments")
            .prefix_with("MATERIALIZED")
        )
        # Whole numbers (days, microseconds) are fetched far faster than dates and times.
        stmt = select(
            epoch_day(clients.c.intake),
            epoch_day(clients.c.discharge),
            epoch_microsecond(clients.c.held),
            epoch_day(clients.c.visit),
        )
        rows = packed_rows(conn, stmt)  # whole numbers; one value, not a row at a time
        never = np.iinfo(np.int64).max
        return cls(
            np.array([row[0] for row in rows], dtype=np.int64),
            np.array([never if row[1] is None else row[1] for row in rows], dtype=np.int64),
            np.array([never if row[2] is None else row[2] for row in rows], dtype=np.int64),
            np.array([0 if row[3] is None else row[3] for row in rows], dtype=np.int64),
            np.array([row[2] is not None for row in rows], dtype=bool),
            np.array([row[3] is not None for row in rows], dtype=bool),
        )

    def lost_as_of(self, period: Period, rules: Rules) -> int:
        """``_lost_condition`` over the active clients, as of the period's as-of."""
        today = day_number(period.as_of_date)
        cutoff = today - rules.lost_after_days  # a visit on or after this day is recent
        active = (self.intake <= today) & (self.discharge > today)
        nothing_ahead = ~self.has_held | (self.held < _microsecond_number(period.as_of))
        old = np.where(self.has_visit, self.visit < cutoff, self.intake < cutoff)
        return int(np.count_nonzero(active & nothing_ahead & old))


def _feedback_filters(filters: Filters) -> list[ColumnElement[bool]]:
    """``appointment_conditions``, with the program and the location tested on each row read
    rather than leading the read (a clinician's own index still leads: a few hundred rows)."""
    return appointment_conditions(filters, scan={"program", "location"})


def _feedback_columns() -> list[Any]:
    """Kept appointments, those with an SRS or ORS score, those with SRS below 36."""
    return [
        func.count().label("kept"),
        count_if(Appointment.feedback >= FEEDBACK_SCORED).label("scored"),
        count_if(Appointment.feedback == FEEDBACK_LOW).label("low"),
    ]


def _feedback_counts(period: Period, filters: Filters, by: str | None = None) -> Any:
    """Past kept appointments in the period (group sessions too): how many, how many with an
    SRS or ORS score, how many with SRS below 36 — the select the feedback keys share. The
    scores' state is on the appointment (``Appointment.feedback``, kept by triggers on
    session_feedback, migration 0008): no feedback row is looked up."""
    return (
        select(*_feedback_columns())
        .select_from(join_appointment_client(Appointment.__table__, by))
        .where(
            is_kept(),
            Appointment.start_at < period.as_of,
            in_period(period),
            *_feedback_filters(filters),
        )
    )


def _feedback_keys(row: Any) -> dict[str, Any]:
    return {
        "feedback_rate": rate(ratio(int(row.scored or 0), int(row.kept))),
        "low_alliance_sessions": int(row.low or 0),
    }


@dataclasses.dataclass(frozen=True)
class _FeedbackMoments:
    """``_feedback_counts`` of a span by start moment: grouped by the start itself, SQLite
    reads the start index in order and groups as it goes, where grouping by an expression of
    the day sorted every row; any period within the span, as of any time up to the span's
    as-of, is then a sum over these rows, exactly its own query's counts.

    On SQLite (no one clinician) whole days stand for their moments, a row at each day's
    midnight read from the day index (0007) in its order (a year at 1M: 80 -> 50 ms): periods
    start and end at midnights, and an as-of at a midnight cuts no day. The day of an as-of
    within a day (``cuts``) is read by moment."""

    starts: np.ndarray
    kept: np.ndarray
    scored: np.ndarray
    low: np.ndarray

    @classmethod
    def read(
        cls, conn: Connection, span: Period, filters: Filters, cuts: Iterable[dt.datetime] = ()
    ) -> _FeedbackMoments:
        # Selected as a whole number: fetched far faster than a time.
        moment = epoch_microsecond(Appointment.start_at).label("start_at")
        if not reads_day_index(conn, filters):
            stmt = _feedback_counts(span, filters).add_columns(moment)
            return cls._of(packed_rows(conn, stmt.group_by(Appointment.start_at)))
        cut_days = sorted({c.date() for c in [*cuts, span.as_of] if c.time() != dt.time()})
        day = start_day(Appointment.start_at)
        by_day = (
            select(*_feedback_columns(), day)
            .where(
                is_kept(),
                Appointment.start_at < span.as_of,
                *in_day_span(conn, day, span, filters),
                day.not_in([d.isoformat() for d in cut_days]),
                *_feedback_filters(filters),
            )
            .group_by(day)
        )
        rows = [
            (*row[:3], day_number(dt.date.fromisoformat(row[3])) * MICROSECONDS_PER_DAY)
            for row in packed_rows(conn, by_day)
        ]
        for cut in cut_days:
            on_day = Period(cut, cut, span.as_of)
            if span.start <= cut <= span.end:
                stmt = _feedback_counts(on_day, filters).add_columns(moment)
                rows.extend(packed_rows(conn, stmt.group_by(Appointment.start_at)))
        return cls._of(rows)

    @classmethod
    def _of(cls, rows: Sequence[tuple]) -> _FeedbackMoments:
        """From (kept, scored, low, start in epoch microseconds) rows."""
        return cls(
            np.array([row[3] for row in rows], dtype=np.int64),
            np.array([int(row[0]) for row in rows], dtype=np.int64),
            np.array([int(row[1] or 0) for row in rows], dtype=np.int64),
            np.array([int(row[2] or 0) for row in rows], dtype=np.int64),
        )

    def keys(self, period: Period) -> dict[str, Any]:
        """The feedback keys of a period within the span (its own as-of)."""
        start, end, as_of = (
            _microsecond_number(moment) for moment in (period.start_at, period.end_at, period.as_of)
        )
        mask = (self.starts >= start) & (self.starts < end) & (self.starts < as_of)
        return _feedback_keys(self._sums(mask))

    def by_week(self) -> dict[dt.date, dict[str, Any]]:
        """The feedback keys of each Monday-based week that has a row."""
        days = self.starts // MICROSECONDS_PER_DAY
        weeks = (days + MONDAY_OFFSET) // 7
        return {
            monday_of_week(int(week)): _feedback_keys(self._sums(weeks == week))
            for week in np.unique(weeks)
        }

    def _sums(self, mask: np.ndarray) -> _Sums:
        return _Sums(
            {
                "kept": int(self.kept[mask].sum()),
                "scored": int(self.scored[mask].sum()),
                "low": int(self.low[mask].sum()),
            }
        )


def feedback_by_week(
    conn: Connection, period: Period, filters: Filters
) -> dict[dt.date, dict[str, Any]]:
    """``feedback_rate`` and ``low_alliance_sessions`` of each week of the period, from one
    read by start moment (a week's past kept appointments are those before the period's
    as-of)."""
    return _FeedbackMoments.read(conn, period, filters, [period.as_of]).by_week()


# --- early engagement ---------------------------------------------------------------------------


def _engaged(period: Period) -> ColumnElement[bool]:
    """The first visit (a rollup row) is followed by another visit 1 to 30 days (dates) later,
    before as-of. The next visit is the earliest candidate: on a later date it decides alone
    (any other is later still); on the first visit's own date, a later one may still count,
    so for those few clients the appointments are searched as the definition says."""
    first_at, next_at = VisitSequence.start_at, VisitSequence.next_start_at
    # Dates compared as dates: 1 to 30 days after the first's is after its date and on or
    # before the date 30 days after it.
    first_day, last_day = start_day(first_at), day_after(first_at, EARLY_ENGAGEMENT_DAYS)

    def within(moment: Any) -> ColumnElement[bool]:
        return and_(start_day(moment) > first_day, start_day(moment) <= last_day)

    later_visit = exists().where(
        Appointment.client_id == VisitSequence.client_id,
        is_visit(period),
        Appointment.start_at > first_at,
        within(Appointment.start_at),
    )
    return or_(
        and_(within(next_at), next_at < period.as_of),
        and_(start_day(next_at) == first_day, later_visit),
    )


def _early_engagement_counts(
    conn: Connection, period: Period, filters: Filters, by: str | None, *, by_day: bool = False
) -> dict[Any, Any]:
    """Rows (clients, engaged) per group of ``by``, or per epoch day of the first visit. A
    client's first visit ever is their rollup row with ``seq`` 1 (``db.visit_sequence``), read
    by the start index; it is in the period and past when it starts before as-of."""
    first_at = VisitSequence.start_at
    # First visit date <= as-of date - 30 days: before 00:00 of (as-of date - 29 days).
    eligible_before = day_start(period.as_of_date - dt.timedelta(days=EARLY_ENGAGEMENT_DAYS - 1))
    by = None if by_day else by
    group = client_group_column(by)
    conditions = client_conditions(filters)
    source: Any = VisitSequence.__table__
    if conditions or group is not None:
        clients = source.join(Client, Client.client_id == VisitSequence.client_id)
        source = join_home(clients, by)
    # By day: the date as the database has it (no epoch arithmetic per row), numbered below.
    column = start_day(first_at) if by_day else sorted_group(group)
    stmt = with_group(
        select(func.count().label("clients"), count_if(_engaged(period)).label("engaged"))
        .select_from(source)
        .where(
            # Inline, so that the partial index of first visits (0012) applies.
            VisitSequence.seq == literal(1, literal_execute=True),
            in_period(period, first_at),
            first_at < period.as_of,
            first_at < eligible_before,
            *conditions,
        ),
        column,
    )
    found = grouped_rows(conn, stmt, column)
    if not by_day:
        return found
    return {day_number(day_of(day)): row for day, row in found.items()}


def _early_rate(row: Any) -> float | None:
    return rate(ratio(int(row.engaged or 0), int(row.clients)))


def _early_engagement(
    conn: Connection, period: Period, filters: Filters, by: str | None
) -> dict[Any, dict[str, Any]]:
    """Clients whose first visit ever is in the period and at least 30 days before the as-of
    date: the share with another visit 1 to 30 days (dates) after the first."""
    return {
        group: {"early_engagement_rate": _early_rate(row)}
        for group, row in _early_engagement_counts(conn, period, filters, by).items()
    }


# --- follow-up after hospital discharge ---------------------------------------------------------


def _visit_after_discharge(period: Period) -> ColumnElement[bool]:
    """A visit of the discharged client on a later date than the discharge (``days_after``
    counts the dates between)."""
    return and_(
        Appointment.client_id == CareEvent.client_id,
        is_visit(period),
        Appointment.start_at > CareEvent.occurred_at,  # lets the (client_id, start_at) index in
        _days_after_discharge() >= 1,  # the discharge day itself does not count
    )


def _days_after_discharge() -> ColumnElement[int]:
    return epoch_day(Appointment.start_at) - epoch_day(CareEvent.occurred_at)


def _followed_within(period: Period, window: int) -> ColumnElement[bool]:
    return exists().where(_visit_after_discharge(period), _days_after_discharge() <= window)


def _discharge_eligible(period: Period, window: int) -> ColumnElement[bool]:
    """A hospital discharge dated in the period and at least ``window`` days before the as-of
    date."""
    return and_(
        CareEvent.kind == HOSPITAL_DISCHARGE,
        in_period(period, CareEvent.occurred_at),
        CareEvent.occurred_at < day_start(period.as_of_date - dt.timedelta(days=window - 1)),
    )


def _fuh_counts(
    conn: Connection, period: Period, filters: Filters, by: str | None, *, by_day: bool = False
) -> dict[Any, Any]:
    """Rows (short_base, short_kept, long_base, long_kept) per group of ``by``, or per epoch day
    of the discharge."""
    short, long = FUH_WINDOWS
    column = epoch_day(CareEvent.occurred_at) if by_day else client_group_column(by)
    source = CareEvent.__table__.join(Client, Client.client_id == CareEvent.client_id)
    stmt = with_group(
        select(
            func.count().label("short_base"),
            count_if(_followed_within(period, short)).label("short_kept"),
            count_if(_discharge_eligible(period, long)).label("long_base"),
            count_if(and_(_discharge_eligible(period, long), _followed_within(period, long))).label(
                "long_kept"
            ),
        )
        .select_from(join_home(source, None if by_day else by))
        .where(
            # The shorter window admits every discharge the longer one does.
            _discharge_eligible(period, short),
            *client_conditions(filters),
        ),
        column,
    )
    return grouped_rows(conn, stmt, column)


def _fuh_rates(row: Any) -> dict[str, Any]:
    return {
        "fuh7_rate": rate(ratio(int(row.short_kept or 0), int(row.short_base))),
        "fuh30_rate": rate(ratio(int(row.long_kept or 0), int(row.long_base or 0))),
    }


def _fuh(
    conn: Connection, period: Period, filters: Filters, by: str | None
) -> dict[Any, dict[str, Any]]:
    """Discharges dated in the period and at least 7 / 30 days before the as-of date: the share
    with a visit 1 to 7 / 1 to 30 days (dates) after; the discharge day itself does not count."""
    return {group: _fuh_rates(row) for group, row in _fuh_counts(conn, period, filters, by).items()}


@dataclasses.dataclass
class _Sums:
    """Counts summed over the days of a cohort bucket (attribute access like a result row)."""

    values: dict[str, int]

    def __getattr__(self, name: str) -> int:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


def _bucket_sums(
    by_day: dict[Any, Any], buckets: Sequence[Period], fields: Sequence[str]
) -> list[_Sums | None]:
    """For each bucket, the day rows whose epoch day falls in it, summed (None: no row)."""
    sums: list[_Sums | None] = []
    for bucket in buckets:
        first, last = (bucket.start - EPOCH).days, (bucket.end - EPOCH).days
        rows = [row for day, row in by_day.items() if first <= day <= last]
        if not rows:
            sums.append(None)
            continue
        sums.append(_Sums({f: sum(int(getattr(r, f) or 0) for r in rows) for f in fields}))
    return sums


def cohort_rates_by_bucket(
    conn: Connection, period: Period, buckets: Sequence[Period], filters: Filters
) -> list[dict[str, Any]]:
    """``early_engagement_rate``, ``fuh7_rate`` and ``fuh30_rate`` of each bucket (consecutive
    parts of ``period``, each as of the period's as-of), from one query per key grouped by the
    day of the first visit or of the discharge: a client's first visit ever falls in one
    bucket, a discharge is dated in one."""
    early = _early_engagement_counts(conn, period, filters, None, by_day=True)
    fuh = _fuh_counts(conn, period, filters, None, by_day=True)
    early_sums = _bucket_sums(early, buckets, ("clients", "engaged"))
    fuh_fields = ("short_base", "short_kept", "long_base", "long_kept")
    fuh_sums = _bucket_sums(fuh, buckets, fuh_fields)
    rows = []
    for clients, discharges in zip(early_sums, fuh_sums, strict=True):
        row: dict[str, Any] = {"early_engagement_rate": _early_rate(clients) if clients else None}
        row.update(
            _fuh_rates(discharges) if discharges else {"fuh7_rate": None, "fuh30_rate": None}
        )
        rows.append(row)
    return rows


# --- session feedback ---------------------------------------------------------------------------


def _feedback(
    conn: Connection, period: Period, filters: Filters, by: str | None
) -> dict[Any, dict[str, Any]]:
    """The feedback keys of the period, per group of ``by``."""
    stmt = _feedback_counts(period, filters, by)
    if by == "clinician" and reads_day_index(conn, filters):
        # Kept appointments of each clinician over the period's days: one range of migration
        # 0009's index per clinician, in group order (a year at 1M: 0.10 s -> 0.04 s).
        day = start_day(Appointment.start_at)
        column = appointment_group_column(by)
        stmt = stmt.where(every_clinician(), *in_day_span(conn, day, period, filters))
    else:
        column = sorted_group(appointment_group_column(by))
    stmt = with_group(stmt, column)
    return {group: _feedback_keys(row) for group, row in grouped_rows(conn, stmt, column).items()}


# --- many periods at once -------------------------------------------------------------------------


def _days_through(by_day: dict[Any, Any], period: Period, lag: int, fields: Sequence[str]) -> Any:
    """The day rows of the period's dates at least ``lag`` days before its as-of date (the
    cohorts it can judge), summed; None when there is none."""
    first, last = day_number(period.start), day_number(period.end)
    last = min(last, day_number(period.as_of_date) - lag)
    rows = [row for day, row in by_day.items() if first <= day <= last]
    if not rows:
        return None
    return _Sums({f: sum(int(getattr(r, f) or 0) for r in rows) for f in fields})


def _cohort_values(
    conn: Connection, periods: Sequence[Period], filters: Filters
) -> list[dict[str, Any]]:
    """Early engagement and FUH of each period from one query each, grouped by the day of the
    first visit / discharge over the periods' span as of its latest as-of. A period as of an
    earlier time judges only cohorts whose follow-up window closed by its own as-of date, so
    every visit that counts for it started before that as-of too: the span's rows restricted to
    its days are its own. (An earlier as-of within a day would cut that day: no such period.)"""
    span = span_of(periods)
    split = split_moment(periods)
    if split is not None and split != span.as_of:
        raise ValueError("a period as of a time of day before the latest as-of")
    early = _early_engagement_counts(conn, span, filters, None, by_day=True)
    fuh = _fuh_counts(conn, span, filters, None, by_day=True)
    short, long = FUH_WINDOWS
    values = []
    for period in periods:
        clients = _days_through(early, period, EARLY_ENGAGEMENT_DAYS, ("clients", "engaged"))
        seven = _days_through(fuh, period, short, ("short_base", "short_kept"))
        thirty = _days_through(fuh, period, long, ("long_base", "long_kept"))
        values.append(
            {
                "early_engagement_rate": _early_rate(clients) if clients else None,
                "fuh7_rate": rate(ratio(seven.short_kept, seven.short_base)) if seven else None,
                "fuh30_rate": rate(ratio(thirty.long_kept, thirty.long_base)) if thirty else None,
            }
        )
    return values


def _feedback_values(
    conn: Connection, periods: Sequence[Period], filters: Filters
) -> list[dict[str, Any]]:
    """``_feedback`` of each period from one read of kept appointments by start moment."""
    cuts = [period.as_of for period in periods]
    moments = _FeedbackMoments.read(conn, span_of(periods), filters, cuts)
    return [moments.keys(period) for period in periods]


def practice_values(
    conn: Connection,
    periods: Sequence[Period],
    filters: Filters,
    rules: Rules,
    *,
    cohorts: Sequence[Period] = (),
) -> list[dict[str, Any]]:
    """The practice's keys for each period (its own as-of): lost to follow-up in one query over
    every as-of (``lost_by_week``), the cohort rates and the feedback keys each from one
    query grouped by day over the periods' span: the same values as ``compute``. Then, for
    each of ``cohorts``, its cohort rates alone (from the same cohort queries)."""
    if not periods:
        return []
    # Three reads of about the same size: two beside the caller's.
    pending_rates = read_beside(conn, lambda c: _cohort_values(c, [*periods, *cohorts], filters))
    pending_feedback = read_beside(conn, lambda c: _feedback_values(c, periods, filters))
    lost = lost_by_week(conn, periods, filters, rules)
    rates, feedback = pending_rates(), pending_feedback()
    values = [
        {"lost_to_follow_up": n, **c, **f} for n, c, f in zip(lost, rates, feedback, strict=False)
    ]
    return values + rates[len(periods) :]


# --- the area -----------------------------------------------------------------------------------


def _client_rows(
    conn: Connection, period: Period, filters: Filters, rules: Rules, by: str | None
) -> dict[Any, dict[str, Any]]:
    early = read_beside(conn, lambda c: _early_engagement(c, period, filters, by))
    lost = _lost_to_follow_up(conn, period, filters, rules, by)
    return merge_groups(lost, early(), _fuh(conn, period, filters, by))


def compute(
    conn: Connection, period: Period, filters: Filters, rules: Rules, *, by: str | None = None
) -> pd.DataFrame:
    """Engagement keys for the practice (``by=None``) or per value of a dimension."""
    check_dimension(by)
    pending_feedback = read_beside(conn, lambda c: _feedback(c, period, filters, by))
    if by == "modality":
        # Modality filters the feedback keys only; the client keys repeat under each modality.
        clients = _client_rows(conn, period, filters, rules, None).get(PRACTICE, {})
        feedback = pending_feedback()
        modalities = repeat_for_modalities(conn, period, filters, clients)
        rows = merge_groups(modalities, {m: clients for m in feedback}, feedback)
    else:
        rows = merge_groups(_client_rows(conn, period, filters, rules, by), pending_feedback())
    if by is None:
        rows.setdefault(PRACTICE, {})
    return frame(rows, KEYS, ZERO_KEYS, by)


def discharges_without_follow_up(
    conn: Connection, period: Period, filters: Filters, rules: Rules, *, window: int = 7
) -> pd.DataFrame:
    """The hospital discharges counted in ``fuh{window}_rate`` that had no visit 1 to
    ``window`` days after them, oldest first: event, client, primary clinician, discharge date,
    and the client's next visit after the discharge day (None if none yet)."""
    next_visit = (
        select(func.min(Appointment.start_at))
        .where(_visit_after_discharge(period))
        .scalar_subquery()
    )
    stmt = (
        select(
            CareEvent.event_id,
            CareEvent.client_id,
            Client.primary_clinician_id,
            CareEvent.occurred_at,
            next_visit.label("next_visit"),
        )
        .select_from(CareEvent.__table__.join(Client, Client.client_id == CareEvent.client_id))
        .where(
            _discharge_eligible(period, window),
            *client_conditions(filters),
            ~_followed_within(period, window),
        )
        .order_by(CareEvent.occurred_at, CareEvent.event_id)
    )
    records = [
        {
            "event_id": row.event_id,
            "client_id": row.client_id,
            "primary_clinician_id": row.primary_clinician_id,
            "discharged": row.occurred_at.date(),
            "next_visit": row.next_visit.date() if row.next_visit is not None else None,
        }
        for row in conn.execute(stmt)
    ]
    columns = ["event_id", "client_id", "primary_clinician_id", "discharged", "next_visit"]
    return pd.DataFrame.from_records(records, columns=columns)


__all__ = [
    "DIMENSIONS",
    "KEYS",
    "ZERO_KEYS",
    "cohort_rates_by_bucket",
    "compute",
    "discharges_without_follow_up",
    "feedback_by_week",
    "lost_by_week",
    "lost_to_follow_up_clients",
    "practice_values",
]
