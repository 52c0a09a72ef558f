"""Validators refuse what JSON can carry but a count cannot be (found by the fuzz test)."""

from __future__ import annotations

import pytest

from dashboard.auth import validate as v
from dashboard.auth.validate import InvalidInput


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 1.5, True, "3"])
def test_clicks_must_be_a_whole_finite_number(value: object) -> None:
    with pytest.raises(InvalidInput):
        v.clicks()(value, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "expected"), [(None, None), (0, 0), (3, 3), (3.0, 3)])
def test_clicks_accepts_counts(value: object, expected: int | None) -> None:
    assert v.clicks()(value, None) == expected  # type: ignore[arg-type]
