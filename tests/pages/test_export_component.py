"""Exported tables cannot smuggle spreadsheet formulas."""

from __future__ import annotations

import pandas as pd

from dashboard.components.export import defuse_formulas


def test_formula_like_text_is_defused_and_numbers_are_left_alone() -> None:
    frame = pd.DataFrame(
        {"name": ['=HYPERLINK("x")', "+1", "@cmd", "Ana"], "visits": [1, -2, 3, 4]}
    )
    safe = defuse_formulas(frame)
    assert list(safe["name"]) == ['\'=HYPERLINK("x")', "'+1", "'@cmd", "Ana"]
    assert list(safe["visits"]) == [1, -2, 3, 4]
    assert list(frame["name"])[0].startswith("=")  # the caller's frame is not changed
