"""Who may open what: the role sets pages and callbacks name."""

from __future__ import annotations

DIRECTOR = frozenset({"director"})
FRONT_DESK = frozenset({"front_desk", "director"})
CLINICAL = frozenset({"clinician", "director"})
EVERYONE = frozenset({"front_desk", "clinician", "director"})
