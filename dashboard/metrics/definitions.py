"""What each indicator means, in metrics.md's words: one short definition per key, shown on
hover wherever the key is shown, and one reading guide per chart (what a good value looks like).

Keep these in step with /shared/metrics.md: when a definition changes there, change it here.
"""

from __future__ import annotations

DEFINITIONS: dict[str, str] = {
    "available_hours": "Available time in the period: the weekly templates laid over each "
    "date, minus time off.",
    "booked_hours": "Sum of the durations of held appointments in the period.",
    "kept_hours": "Sum of the durations of past kept (completed) appointments in the period.",
    "booked_utilization": "Booked hours / available hours. Appointments outside available "
    "time still count as booked, so it can exceed 100%.",
    "kept_utilization": "Kept hours / the available time in the period before as-of.",
    "sessions_per_week": "Past kept appointments in the period / (days elapsed / 7).",
    "no_show_rate": "No-shows / attendance base (completed + no-show + late cancel) of past "
    "appointments in the period.",
    "late_cancel_rate": "Late cancels / attendance base. A client cancellation less than 24 "
    "hours before the start counts as a late cancel.",
    "kept_rate": "Completed / attendance base of past appointments in the period.",
    "clinician_cancel_rate": "Clinician cancellations / (attendance base + client and "
    "clinician cancellations).",
    "active_caseload": "Clients on a caseload as of the as-of date (intake on or before it, "
    "not discharged), counted under their primary clinician.",
    "caseload_capacity": "Sum of the maximum caseloads of the active clinicians counted.",
    "caseload_fill": "Active caseload / caseload capacity.",
    "new_clients": "Clients whose intake date falls in the period.",
    "discharges": "Clients whose discharge date falls in the period.",
    "waitlist_open": "Waitlist entries referred by the as-of date and not resolved by it.",
    "waitlist_median_days": "Median whole days waited so far by the open entries.",
    "waitlist_p90_days": "90th percentile of whole days waited by the open entries.",
    "waitlist_over_target": "Open entries waiting longer than the target: 14 days for "
    "routine, 1 day for urgent.",
    "median_days_to_intake": "Median days from referral to the first visit, over entries "
    "whose first visit falls in the period.",
    "third_next_available_days": "Days from the as-of date to the third open 60-minute slot "
    "of an active clinician accepting new clients; median over clinicians.",
    "continuity_clients": "Clients with two or more visits in the period.",
    "upc": "Usual Provider of Care: the share of a client's visits with their most-seen "
    "clinician; mean over clients with 2+ visits.",
    "coc": "Bice–Boxerman continuity of care: 1 when every visit is with one clinician, 0 "
    "when each is with a different one; mean over clients with 2+ visits.",
    "secon": "Sequential continuity: the share of consecutive visit pairs with the same "
    "clinician; mean over clients with 2+ visits.",
    "clients_with_clinician_change": "Clients with 2+ visits in the period who saw two or "
    "more clinicians.",
    "lost_to_follow_up": "Active clients with nothing booked whose last visit (or, with none, "
    "intake) was more than 30 days before the as-of date.",
    "early_engagement_rate": "Clients whose first visit ever falls in the period (30+ days "
    "before as-of): the share with another visit 1 to 30 days later.",
    "fuh7_rate": "Hospital discharges in the period (7+ days before as-of): the share "
    "followed by a visit 1 to 7 days later (HEDIS FUH).",
    "fuh30_rate": "Hospital discharges in the period (30+ days before as-of): the share "
    "followed by a visit 1 to 30 days later (HEDIS FUH).",
    "feedback_rate": "Past kept appointments in the period with an SRS or ORS score / past "
    "kept appointments.",
    "low_alliance_sessions": "Past kept appointments in the period with a Session Rating "
    "Scale score below 36 (of 40).",
    "open_tasks": "Follow-up tasks open as of the as-of date.",
    "overdue_tasks": "Open tasks whose due moment is before as-of (a task due on a date is "
    "due at the end of that day).",
    "on_time_rate": "Tasks done in the period: the share completed by their due moment.",
}

# One line per chart: what a good value looks like.
GUIDES: dict[str, str] = {
    "utilization": "Booked near 80–90% of available hours is healthy; over 100% means "
    "sessions outside the template, well under means idle capacity.",
    "sessions": "The bar should reach the clinician's weekly target (the mark); far above "
    "it risks burnout.",
    "caseload": "Bars should stay at or below capacity (the mark); over capacity is "
    "highlighted and labelled — boundaries protect clients and clinicians alike.",
    "attendance": "Lower is better: no-shows under 10% and late cancels under 5% are good.",
    "heatmap": "Each cell is a clinician's booked utilization in a week; pale cells are "
    "idle weeks, dark ones full. Click a cell to narrow the page to that clinician.",
    "waitlist_trend": "A flat or falling line is good; a rising over-target line means the "
    "waitlist is outgrowing intake capacity.",
    "wait_distribution": "Most entries should sit left of the target (14 days routine, 1 day "
    "urgent); a long right tail is clients waiting too long.",
    "time_to_intake": "Shorter is better; compare each program with the 14-day routine target.",
    "third_next": "Lower is better: a third open slot within a few days means a new client "
    "can be seen promptly.",
    "visit_volume": "Dark cells are the busiest hours. Click a cell to see who is booked and "
    "who still has open slots at that time of the week.",
    "time_of_week": "Booked appointments against open slots in the next 28 days, per "
    "clinician; open slots at busy hours are where new clients fit.",
    "score_distribution": "Most clients should sit in the right-most bins (scores near 1 mean "
    "one clinician sees the client throughout).",
    "continuity_groups": "Higher is better: means near 0.9 or above indicate stable "
    "client–clinician pairs.",
    "early_engagement": "Higher is better: aim for three in four new clients returning "
    "within 30 days of their first visit.",
    "fuh": "Higher is better: HEDIS benchmarks put good FUH 7 above 50% and FUH 30 above 70%.",
    "feedback": "Aim to collect SRS/ORS at nearly every session; low-alliance sessions are "
    "conversations to have, not failures.",
    "clinician_trend": "Compare each week with the practice's usual level; a sudden drop in "
    "kept utilization or a rise in no-shows is worth a conversation.",
}


def definition(key: str) -> str:
    """The definition of ``key``, or an empty string for a key that has none."""
    return DEFINITIONS.get(key, "")
