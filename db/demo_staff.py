"""The demo practice's staff: clinicians, their weekly templates, and the names pools."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from faker import Faker

from db.demo_calendar import Calendar

PROGRAMS = ("Adult", "Child & Adolescent", "Couples & Family", "DBT")
PROGRAM_SHARE = (0.42, 0.25, 0.15, 0.18)
LOCATIONS = ("Northside", "Downtown", "Lakeview")
LOCATION_SHARE = (0.45, 0.35, 0.20)
OTHER_LANGUAGES = ("Polish", "Vietnamese", "Arabic", "Mandarin")
PRESCRIBER = "PMHNP"
DISCIPLINES = {
    "Adult": (("LCSW", "LPC", "PsyD", "PhD", "LMFT"), (0.35, 0.30, 0.15, 0.10, 0.10)),
    "Child & Adolescent": (("LCSW", "LPC", "PsyD", "LMFT"), (0.40, 0.25, 0.20, 0.15)),
    "Couples & Family": (("LMFT", "LCSW", "PsyD"), (0.70, 0.15, 0.15)),
    "DBT": (("LCSW", "LPC", "PhD", "PsyD"), (0.40, 0.20, 0.25, 0.15)),
}
SUPERVISING = ("PhD", "PsyD", "LCSW")
# Full-time active caseload ceilings by program (weekly-heavy programs carry fewer clients).
CASELOAD_BASE = {"Adult": 49, "Child & Adolescent": 44, "Couples & Family": 50, "DBT": 40}
PRESCRIBER_CASELOAD = 48
PRESCRIBER_SESSIONS = 32  # 30-minute medication visits a full-time week

# Share of booked standing sessions that end up kept (no-shows, cancellations, time off).
KEPT_SHARE = 0.70
# Expected kept DBT skills-group attendances a week, counted as sessions of their leader.
GROUP_KEPT = 6.5

# Day patterns of a weekly template: (start, end) minutes of day.
DAY_PATTERNS = {
    "standard": ((9 * 60, 12 * 60), (13 * 60, 17 * 60)),
    "long": ((8 * 60, 12 * 60), (13 * 60, 17 * 60)),
    "early": ((8 * 60 + 30, 12 * 60 + 30), (13 * 60 + 30, 16 * 60 + 30)),
    "evening": ((12 * 60, 15 * 60), (16 * 60, 20 * 60)),
    "morning": ((9 * 60, 13 * 60),),
}
GROUP_MINUTES = 90


@dataclass(frozen=True)
class Block:
    """One availability block; weeks ``from_week`` (0: always) to ``to_week`` (exclusive)."""

    weekday: int
    start: int
    end: int
    location: int
    from_week: int = 0
    to_week: int | None = None
    group: bool = False


@dataclass
class Clinician:
    index: int
    clinician_id: str
    name: str
    discipline: str
    program: str
    location: int
    fte: float
    languages: tuple[str, ...]
    active: bool = True
    accepting_new: bool = True
    supervisor: int | None = None
    leave_week: int | None = None
    closed_from_week: int | None = None
    max_caseload: int = 0
    weekly_session_target: int = 0
    session_minutes: int = 53
    blocks: list[Block] = field(default_factory=list)

    @property
    def prescriber(self) -> bool:
        return self.discipline == PRESCRIBER

    @property
    def slot_minutes(self) -> int:
        return 30 if self.prescriber else 60

    @property
    def group_block(self) -> Block | None:
        return next((b for b in self.blocks if b.group), None)

    @property
    def cells_target(self) -> float:
        """Standing sessions a week the caseload is booked up to."""
        if self.prescriber:
            return self.weekly_session_target / KEPT_SHARE
        group = GROUP_KEPT if self.group_block else 0.0
        return max(self.weekly_session_target - group, 1.0) / KEPT_SHARE

    def accepts_intakes(self, week: int) -> bool:
        if self.closed_from_week is not None and week >= self.closed_from_week:
            return False
        # A leaving clinician winds down: no new clients in the last six weeks.
        return self.leave_week is None or week < self.leave_week - 6


class NamePools:
    """Pools of first and last names per locale, drawn once from seeded Fakers."""

    LOCALE_OF = {"Spanish": "es_MX", "Polish": "pl_PL", "Vietnamese": "vi_VN"}

    def __init__(self, seed: int, size: int = 240) -> None:
        self.first: dict[str, list[str]] = {}
        self.last: dict[str, list[str]] = {}
        for offset, locale in enumerate(("en_US", "es_MX", "pl_PL", "vi_VN")):
            fake = Faker(locale)
            fake.seed_instance(seed * 31 + offset)
            half = size // 2
            first = [fake.first_name_female() for _ in range(half)]
            first += [fake.first_name_male() for _ in range(half)]
            self.first[locale] = [" ".join(name.split()) for name in first]
            self.last[locale] = [" ".join(fake.last_name().split()) for _ in range(size)]

    def locale(self, language: str) -> str:
        return self.LOCALE_OF.get(language, "en_US")

    def display_names(self, languages: np.ndarray, rng: np.random.Generator) -> list[str]:
        """ "Maria G."-style names, the first name from the client's language's locale."""
        names = np.empty(len(languages), dtype=object)
        for language in np.unique(languages):
            rows = np.flatnonzero(languages == language)
            locale = self.locale(str(language))
            first = np.array(self.first[locale], dtype=object)
            last = np.array([name[0].upper() + "." for name in self.last[locale]], dtype=object)
            picks = first[rng.integers(len(first), size=rows.size)]
            initials = last[rng.integers(len(last), size=rows.size)]
            names[rows] = picks + " " + initials
        return names.tolist()

    def full_name(self, language: str, rng: np.random.Generator, taken: set[str]) -> str:
        locale = self.locale(language)
        while True:
            first = self.first[locale][int(rng.integers(len(self.first[locale])))]
            last = self.last[locale][int(rng.integers(len(self.last[locale])))]
            name = f"{first} {last}"
            if name not in taken:
                taken.add(name)
                return name


def _choice(rng: np.random.Generator, options: tuple, weights: tuple) -> object:
    return options[int(rng.choice(len(options), p=np.asarray(weights) / sum(weights)))]


def build_staff(
    n: int, cal: Calendar, rng: np.random.Generator, names: NamePools
) -> list[Clinician]:
    """Clinicians C001.. with an active, full-time Adult therapist first (the demo login)."""
    width = max(3, len(str(n)))
    prescribers = set(_prescriber_positions(n, rng))
    programs = _program_quota(n - len(prescribers), rng)
    n_locations = 2 if n < 8 else 3
    taken: set[str] = set()
    staff: list[Clinician] = []
    for index in range(n):
        first = index == 0
        if index in prescribers:
            program, discipline = "Adult", PRESCRIBER
            fte = float(_choice(rng, (1.0, 0.8, 0.5), (0.4, 0.3, 0.3)))
        else:
            program = programs.pop()
            discipline = "LCSW" if first else str(_choice(rng, *DISCIPLINES[program]))
            fte = 1.0 if first else float(_choice(rng, (1.0, 0.8, 0.5), (0.6, 0.25, 0.15)))
        location = (
            0
            if first
            else int(_choice(rng, tuple(range(n_locations)), LOCATION_SHARE[:n_locations]))
        )
        languages = _languages(rng, index)
        clinician = Clinician(
            index=index,
            clinician_id=f"C{index + 1:0{width}d}",
            name=names.full_name(languages[-1] if rng.random() < 0.6 else "English", rng, taken),
            discipline=discipline,
            program=program,
            location=location,
            fte=fte,
            languages=languages,
            session_minutes=53 if rng.random() < 0.65 else 45,
        )
        _set_targets(clinician, rng)
        clinician.blocks = _template(clinician, rng, n_locations)
        staff.append(clinician)
    _mark_leavers(staff, cal, rng)
    _mark_closed(staff, cal, rng)
    _assign_supervisors(staff)
    _change_templates(staff, cal, rng)
    return staff


def _program_quota(n: int, rng: np.random.Generator) -> list[str]:
    """Therapists' programs in proportion to PROGRAM_SHARE (largest remainder, every program
    staffed once there are four therapists), shuffled; the last one, popped first, is Adult."""
    share = np.asarray(PROGRAM_SHARE) / sum(PROGRAM_SHARE)
    counts = np.floor(share * n).astype(int)
    if n >= len(PROGRAMS):
        counts = np.maximum(counts, 1)
    for i in np.argsort(-(share * n - counts), kind="stable")[: max(0, n - counts.sum())]:
        counts[i] += 1
    while counts.sum() > n:
        counts[int(np.argmax(counts))] -= 1
    pool = [p for p, k in zip(PROGRAMS, counts, strict=True) for _ in range(k)]
    pool.remove("Adult")
    order = rng.permutation(len(pool))
    return [pool[i] for i in order] + ["Adult"]


def _prescriber_positions(n: int, rng: np.random.Generator) -> list[int]:
    count = n // 12 if n >= 6 else 0
    return (
        sorted(int(i) for i in rng.choice(np.arange(1, n), size=count, replace=False))
        if count
        else []
    )


def _languages(rng: np.random.Generator, index: int) -> tuple[str, ...]:
    """English for all; Spanish for about a fifth; another language for a few (always for
    the third clinician, so even a small practice has one)."""
    languages = ["English"]
    if index == 0 or rng.random() < 0.22:
        languages.append("Spanish")
    if index == 2 or (index and rng.random() < 0.08):
        languages.append(OTHER_LANGUAGES[int(rng.integers(len(OTHER_LANGUAGES)))])
    return tuple(languages)


def _set_targets(c: Clinician, rng: np.random.Generator) -> None:
    """Caseload ceiling and weekly kept-session target, both scaled by FTE."""
    if c.prescriber:
        c.max_caseload = round(c.fte * PRESCRIBER_CASELOAD)
        c.weekly_session_target = round(c.fte * PRESCRIBER_SESSIONS)
        return
    c.max_caseload = round(c.fte * (CASELOAD_BASE[c.program] + int(rng.integers(-3, 1))))
    c.weekly_session_target = round(c.fte * float(rng.uniform(21.6, 23.45)))


def _template(c: Clinician, rng: np.random.Generator, n_locations: int) -> list[Block]:
    """Weekday blocks: five days full-time, four at 0.8, two and a half at 0.5; some evenings,
    a few Saturdays, a day at a second office for some, a DBT skills group for DBT leads."""
    days = [0, 1, 2, 3, 4]
    if c.fte < 1.0:
        drop = 1 if c.fte >= 0.8 else 3
        for day in sorted(rng.choice(5, size=drop, replace=False), reverse=True):
            days.pop(int(day))
    if c.index and rng.random() < 0.08:
        days[int(rng.integers(len(days)))] = 5
    patterns = {}
    evenings = 0
    for day in days:
        name = str(_choice(rng, ("standard", "long", "early", "evening"), (0.45, 0.2, 0.15, 0.2)))
        if name == "evening" and (evenings == 2 or day == 5):
            name = "standard"
        evenings += name == "evening"
        patterns[day] = "morning" if day == 5 else name
    if c.fte == 0.5:
        extra = next(d for d in range(5) if d not in patterns)
        patterns[extra] = "morning"
    away = {}
    if c.index and n_locations > 1 and rng.random() < 0.25:
        day = sorted(patterns)[int(rng.integers(len(patterns)))]
        away[day] = (c.location + 1 + int(rng.integers(n_locations - 1))) % n_locations
    blocks = [
        Block(day, start, end, away.get(day, c.location))
        for day in sorted(patterns)
        for start, end in DAY_PATTERNS[patterns[day]]
    ]
    if c.program == "DBT" and not c.prescriber and c.fte >= 0.8:
        # The skills group meets after a standard day, from 17:00.
        group_days = [d for d in sorted(patterns) if patterns[d] == "standard" and d < 5]
        day = group_days[int(rng.integers(len(group_days)))] if group_days else min(patterns)
        if not group_days:
            patterns[day] = "standard"
            blocks = [b for b in blocks if b.weekday != day]
            blocks += [
                Block(day, s, e, away.get(day, c.location)) for s, e in DAY_PATTERNS["standard"]
            ]
        start = DAY_PATTERNS["standard"][-1][1]
        blocks.append(
            Block(day, start, start + GROUP_MINUTES, away.get(day, c.location), group=True)
        )
    return sorted(blocks, key=lambda b: (b.weekday, b.start))


def _history_weeks(cal: Calendar) -> tuple[int, int]:
    first = cal.history_day // 7
    return first, max(cal.today_week - first, 1)


def _mark_leavers(staff: list[Clinician], cal: Calendar, rng: np.random.Generator) -> None:
    """One or two therapists (about 6% of staff) left the practice during the history."""
    n = len(staff)
    candidates = [c for c in staff[1:] if not c.prescriber]
    count = min(len(candidates), 0 if n < 3 else max(1, round(n * 0.06)))
    first, length = _history_weeks(cal)
    for c in (
        rng.choice(np.array(candidates, dtype=object), size=count, replace=False) if count else []
    ):
        c.active = False
        c.accepting_new = False
        c.leave_week = min(first + max(1, round(length * rng.uniform(0.3, 0.75))), cal.today_week)
        c.blocks = [
            Block(b.weekday, b.start, b.end, b.location, b.from_week, c.leave_week, b.group)
            for b in c.blocks
        ]


def _mark_closed(staff: list[Clinician], cal: Calendar, rng: np.random.Generator) -> None:
    """About 15% of active clinicians are full and not taking new clients."""
    active = [c for c in staff[1:] if c.active]
    count = min(len(active), round(0.15 * len(active)) if len(staff) >= 4 else 0)
    for c in rng.choice(np.array(active, dtype=object), size=count, replace=False) if count else []:
        c.accepting_new = False
        c.closed_from_week = cal.today_week - 2


def _assign_supervisors(staff: list[Clinician]) -> None:
    """Senior full-time therapists supervise the other therapists, within program if they can."""
    if len(staff) < 4:
        return
    eligible = [c for c in staff[1:] if c.active and c.fte == 1.0 and c.discipline in SUPERVISING]
    eligible.sort(key=lambda c: (SUPERVISING.index(c.discipline), c.index))
    supervisors = eligible[: max(1, round(len(staff) / 8))]
    chosen = {s.index for s in supervisors}
    turn = 0
    for c in staff:
        if c.index in chosen or c.prescriber or not supervisors:
            continue
        same = [s for s in supervisors if s.program == c.program]
        pool = same or supervisors
        c.supervisor = pool[turn % len(pool)].index
        turn += 1


def _change_templates(staff: list[Clinician], cal: Calendar, rng: np.random.Generator) -> None:
    """About a quarter of active clinicians changed one day of their template mid-history."""
    active = [c for c in staff if c.active]
    if not active:
        return
    count = max(1, round(0.25 * len(active)))
    first, length = _history_weeks(cal)
    chosen = rng.choice(np.array(active, dtype=object), size=min(count, len(active)), replace=False)
    for c in chosen:
        week = first + max(1, round(length * rng.uniform(0.35, 0.8)))
        week = min(week, max(cal.today_week - 1, 1))
        days = sorted({b.weekday for b in c.blocks if not b.group and b.weekday < 5})
        day = days[int(rng.integers(len(days)))]
        old = [b for b in c.blocks if b.weekday == day and not b.group]
        was_evening = any(b.end > 18 * 60 for b in old)
        new_pattern = "standard" if was_evening else "evening"
        if any(b.group and b.weekday == day for b in c.blocks):
            new_pattern = "early"  # keep the evening free for the group
        location = old[0].location
        kept = [b for b in c.blocks if b not in old]
        ended = [Block(b.weekday, b.start, b.end, b.location, b.from_week, week) for b in old]
        started = [Block(day, s, e, location, week) for s, e in DAY_PATTERNS[new_pattern]]
        c.blocks = sorted(kept + ended + started, key=lambda b: (b.weekday, b.start, b.from_week))
