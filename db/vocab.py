"""The practice's controlled vocabularies (metrics.md, import-format.md), defined once."""

from __future__ import annotations

APPOINTMENT_STATUSES = (
    "scheduled",
    "confirmed",
    "checked_in",
    "completed",
    "no_show",
    "late_cancel",
    "cancelled_client",
    "cancelled_clinician",
    "rescheduled",
)
# The slot was kept for the client.
HELD_STATUSES = ("scheduled", "confirmed", "checked_in", "completed", "no_show", "late_cancel")
KEPT_STATUSES = ("completed",)
# Statuses of an appointment that has not happened yet and may still be attended.
UPCOMING_STATUSES = ("scheduled", "confirmed", "checked_in")

# FHIR Appointment.status codes accepted on import, mapped to canonical statuses.
FHIR_STATUS = {
    "booked": "scheduled",
    "arrived": "checked_in",
    "checked-in": "checked_in",
    "fulfilled": "completed",
    "noshow": "no_show",
    "cancelled": "cancelled_client",
}

SERVICE_TYPES = ("intake", "individual", "family", "group", "med_management", "crisis")
# Service types that are not visits (continuity, engagement, follow-up).
NON_VISIT_SERVICES = ("group",)

CPT_SERVICE = {
    "90791": "intake",
    "90832": "individual",
    "90834": "individual",
    "90837": "individual",
    "90846": "family",
    "90847": "family",
    "90853": "group",
    "90839": "crisis",
}
# Evaluation and management codes (office/outpatient visits) are medication management.
EM_CODES = tuple(f"9920{n}" for n in range(2, 6)) + tuple(f"9921{n}" for n in range(1, 6))
CPT_SERVICE.update({code: "med_management" for code in EM_CODES})

MODALITIES = ("in_person", "telehealth")
WAITLIST_PRIORITIES = ("routine", "urgent")
WAITLIST_RESOLUTIONS = ("scheduled", "removed")
TASK_STATUSES = ("open", "done", "cancelled")
FRONT_DESK = "front_desk"
CARE_EVENT_KINDS = ("hospital_discharge", "ed_visit", "crisis_contact")
ROLES = ("front_desk", "clinician", "director")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Inclusive score ranges of session feedback measures.
SCORE_RANGES = {"srs": (0, 40), "ors": (0, 40), "phq9": (0, 27), "gad7": (0, 21)}
# SRS below this is a low-alliance session (PCOMS).
LOW_ALLIANCE_SRS = 36
# appointments.feedback, the state of the appointment's session feedback (kept by triggers,
# migration 0008): none or no SRS/ORS score, scored, scored with SRS below LOW_ALLIANCE_SRS.
FEEDBACK_NONE, FEEDBACK_SCORED, FEEDBACK_LOW = 0, 1, 2
