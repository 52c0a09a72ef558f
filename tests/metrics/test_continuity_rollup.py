"""Continuity reads the visit sequence rollup (migration 0004): every writer of appointments
keeps it current in its own transaction, so a write and then a read shows the new value, and the
rollup always equals the sequence computed afresh from the appointments."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from dashboard.metrics import continuity
from dashboard.metrics.common import Filters, Period
from db.audit import Actor
from db.demo import generate_demo
from db.engine import Database
from db.importer import import_dir
from db.models import Appointment, VisitSequence
from db.scheduling import change_status
from db.visit_sequence import refresh_clients, sequence_rows
from tests.factory import Practice
from tests.metrics.areas import RULES, area_row

TZ = ZoneInfo("America/Chicago")
MARCH = Period.make(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
FRANK = Actor(7, "frank", "front_desk")


def rollup(db: Database) -> list[tuple]:
    with db.read() as conn:
        rows = conn.execute(
            select(*VisitSequence.__table__.c).order_by(VisitSequence.appointment_id)
        )
        return [tuple(row) for row in rows]


def recomputed(db: Database) -> list[tuple]:
    """The rollup as it should be: computed afresh from the appointments."""
    with db.read() as conn:
        return sorted(tuple(row) for row in conn.execute(sequence_rows()))


def assert_current(db: Database) -> None:
    assert rollup(db) == recomputed(db)


def two_clinicians(p: Practice) -> None:
    p.clinician("C1")
    p.clinician("C2")
    p.client("K1", primary="C1")


def test_rollup_holds_each_visits_neighbours(practice: Practice) -> None:
    p = practice
    two_clinicians(p)
    p.appointment("A2", "K1", "C2", "2026-03-09T09:00")
    p.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    p.appointment("A3", "K1", "C2", "2026-03-09T09:00")  # same minute: after A2 by id
    p.appointment("G1", "K1", "C1", "2026-03-05T09:00", service="group")  # not a visit
    p.appointment("N1", "K1", "C1", "2026-03-06T09:00", status="no_show")  # not a visit
    t = dt.datetime.fromisoformat
    assert rollup(p.db) == [
        ("A1", "K1", "C1", t("2026-03-02T09:00"), None, t("2026-03-09T09:00"), None, 1),
        (
            "A2",
            "K1",
            "C2",
            t("2026-03-09T09:00"),
            t("2026-03-02T09:00"),
            t("2026-03-09T09:00"),
            0,
            2,
        ),
        ("A3", "K1", "C2", t("2026-03-09T09:00"), t("2026-03-09T09:00"), None, 1, 3),
    ]


def test_an_orm_write_then_a_read_shows_the_new_value(practice: Practice) -> None:
    p = practice
    two_clinicians(p)
    p.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    p.appointment("A2", "K1", "C1", "2026-03-09T09:00")
    assert area_row(continuity, p.db, MARCH, Filters())["secon"] == 1.0
    # A visit with C2 between them: C1, C2, C1 -> UPC 2/3, COC (4+1-3)/6 = 1/3, SECON 0.
    p.appointment("A3", "K1", "C2", "2026-03-05T09:00")
    assert area_row(continuity, p.db, MARCH, Filters()) == {
        "continuity_clients": 1,
        "upc": 0.6667,
        "coc": 0.3333,
        "secon": 0.0,
        "clients_with_clinician_change": 1,
    }
    # Moved to another clinician and then deleted, through the ORM.
    with p.db.write() as session:
        session.get(Appointment, "A3").clinician_id = "C1"
    assert area_row(continuity, p.db, MARCH, Filters())["secon"] == 1.0
    with p.db.write() as session:
        session.delete(session.get(Appointment, "A2"))
    assert area_row(continuity, p.db, MARCH, Filters())["continuity_clients"] == 1
    assert_current(p.db)


def test_an_appointment_moved_to_another_client_leaves_both_sequences_current(
    practice: Practice,
) -> None:
    p = practice
    two_clinicians(p)
    p.client("K2", primary="C2")
    p.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    p.appointment("A2", "K1", "C2", "2026-03-09T09:00")
    with p.db.write() as session:
        session.get(Appointment, "A2").client_id = "K2"
    assert_current(p.db)
    assert area_row(continuity, p.db, MARCH, Filters())["continuity_clients"] == 0


def test_completing_an_appointment_counts_it_at_once(practice: Practice) -> None:
    p = practice
    two_clinicians(p)
    p.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    p.appointment("A2", "K1", "C2", "2026-03-04T09:00", status="scheduled")
    now = dt.datetime(2026, 3, 4, 10, 0)
    today = Period.make(dt.date(2026, 3, 1), dt.date(2026, 3, 4), now=now)
    assert area_row(continuity, p.db, today, Filters())["continuity_clients"] == 0
    result = change_status(p.db, "A2", "complete", 1, actor=FRANK, target="t", now=now, tz=TZ)
    assert result.outcome == "ok"
    assert area_row(continuity, p.db, today, Filters()) == {
        "continuity_clients": 1,
        "upc": 0.5,
        "coc": 0.0,
        "secon": 0.0,
        "clients_with_clinician_change": 1,
    }
    assert_current(p.db)


IMPORT = {
    "clinicians.csv": "clinician_id,name\nC1,Dana Ortiz\nC2,Lee Park\n",
    "clients.csv": "client_id,display_name,primary_clinician_id,intake_date\n"
    "K1,Ann,C1,2026-01-05\nK2,Bo,C2,2026-01-05\n",
}
FIRST = """\
appointment_id,client_id,clinician_id,start_at,duration_min,status
A1,K1,C1,2026-03-02T09:00,50,completed
A2,K1,C2,2026-03-09T09:00,50,completed
A3,K2,C2,2026-03-03T09:00,50,completed
"""
# A2 now belongs to K2; A4 is new.
SECOND = """\
appointment_id,client_id,clinician_id,start_at,duration_min,status
A1,K1,C1,2026-03-02T09:00,50,completed
A2,K2,C2,2026-03-09T09:00,50,completed
A3,K2,C2,2026-03-03T09:00,50,completed
A4,K1,C1,2026-03-16T09:00,50,completed
"""


def _folder(path: Path, appointments: str) -> Path:
    path.mkdir(parents=True)
    for name, content in {**IMPORT, "appointments.csv": appointments}.items():
        (path / name).write_text(content, encoding="utf-8")
    return path


def test_an_import_then_a_read_shows_the_new_values(db: Database, tmp_path: Path) -> None:
    import_dir(db, _folder(tmp_path / "first", FIRST), TZ)
    assert_current(db)
    first = area_row(continuity, db, MARCH, Filters())
    assert (first["continuity_clients"], first["clients_with_clinician_change"]) == (1, 1)
    import_dir(db, _folder(tmp_path / "second", SECOND), TZ)
    assert_current(db)
    # K1: C1, C1 and K2: C2, C2 -> two clients, no change.
    assert area_row(continuity, db, MARCH, Filters()) == {
        "continuity_clients": 2,
        "upc": 1.0,
        "coc": 1.0,
        "secon": 1.0,
        "clients_with_clinician_change": 0,
    }


def test_the_demo_practice_is_written_with_its_rollup(db: Database) -> None:
    generate_demo(db, clinicians=3, weeks=6, seed=3, today=dt.date(2026, 3, 31))
    assert rollup(db)
    assert_current(db)


def _reference(db: Database, period: Period) -> dict[str, dict[str, object]]:
    """metrics.md by brute force: every client's visits in the period, in order, in Python."""
    from fractions import Fraction

    with db.read() as conn:
        rows = conn.execute(
            select(Appointment.client_id, Appointment.clinician_id)
            .where(
                Appointment.status == "completed",
                Appointment.service != "group",
                Appointment.start_at >= period.start_at,
                Appointment.start_at < period.past_end,
            )
            .order_by(Appointment.client_id, Appointment.start_at, Appointment.appointment_id)
        ).all()
    visits: dict[str, list[str]] = {}
    for client, clinician in rows:
        visits.setdefault(client, []).append(clinician)
    scores = {}
    for client, seq in visits.items():
        n = len(seq)
        if n < 2:
            continue
        counts = [seq.count(c) for c in set(seq)]
        same = sum(1 for a, b in zip(seq, seq[1:], strict=False) if a == b)
        scores[client] = {
            "visits": n,
            "clinicians": len(counts),
            "upc": float(round(Fraction(max(counts), n), 4)),
            "coc": float(round(Fraction(sum(c * c for c in counts) - n, n * (n - 1)), 4)),
            "secon": float(round(Fraction(same, n - 1), 4)),
        }
    return scores


def test_rollup_figures_match_a_brute_force_count_after_random_writes(db: Database) -> None:
    generate_demo(db, clinicians=4, weeks=8, seed=11, today=dt.date(2026, 3, 31))
    rng = random.Random(5)
    with db.read() as conn:
        ids = list(conn.execute(select(Appointment.appointment_id, Appointment.client_id)))
        clinicians = sorted(set(conn.execute(select(Appointment.clinician_id)).scalars()))
    # Core updates that bypass the ORM, each followed by the refresh a Core writer makes.
    for appointment_id, client_id in rng.sample(ids, 40):
        with db.write() as session:
            session.execute(
                update(Appointment)
                .where(Appointment.appointment_id == appointment_id)
                .values(clinician_id=rng.choice(clinicians), status="completed")
            )
            refresh_clients(session.connection(), [client_id])
    assert_current(db)
    period = Period.make(
        dt.date(2026, 2, 9), dt.date(2026, 3, 20), now=dt.datetime(2026, 3, 18, 12)
    )
    expected = _reference(db, period)
    with db.read() as conn:
        scores = continuity.client_scores(conn, period, Filters(), RULES)
        practice = continuity.compute(conn, period, Filters(), RULES).iloc[0]
    got = {
        row.client_id: {k: getattr(row, k) for k in ("visits", "clinicians", "upc", "coc", "secon")}
        for row in scores.itertuples()
    }
    assert got == expected
    assert practice["continuity_clients"] == len(expected)
    changed = sum(1 for s in expected.values() if s["clinicians"] >= 2)
    assert practice["clients_with_clinician_change"] == changed


def test_several_dimensions_at_once_equal_each_alone(practice: Practice) -> None:
    from pandas.testing import assert_frame_equal

    from tests.metrics.test_continuity import build_filter_practice

    build_filter_practice(practice)
    dimensions = (None, "clinician", "program", "location", "modality")
    with practice.db.read() as conn:
        for filters in (Filters(), Filters(program="Adult")):
            together = continuity.compute_many(conn, MARCH, filters, RULES, dimensions)
            for by in dimensions:
                alone = continuity.compute(conn, MARCH, filters, RULES, by=by)
                assert_frame_equal(together[by], alone)
        # K2 (Child, under C2): C2 then C1 -> UPC 1/2, COC 0, SECON 0.
        child = continuity.compute_many(conn, MARCH, Filters(), RULES, ["program"])["program"]
        assert child.loc["Child"].to_dict() == {
            "continuity_clients": 1,
            "upc": 0.5,
            "coc": 0.0,
            "secon": 0.0,
            "clients_with_clinician_change": 1,
        }
