"""Reads shared within a request (dashboard.metrics.shared)."""

from __future__ import annotations

from dashboard.metrics.shared import shared, shared_reads


def test_a_block_inside_another_shares_its_reads_and_none_outlive_the_outer() -> None:
    made: list[str] = []

    def read(name: str) -> str:
        made.append(name)
        return name.upper()

    assert shared(("k",), lambda: read("a")) == "A"  # outside any block: read every time
    with shared_reads():
        assert shared(("k",), lambda: read("b")) == "B"
        with shared_reads():  # as report.area_values inside a page's own block
            assert shared(("k",), lambda: read("c")) == "B"
            assert shared(("other",), lambda: read("d")) == "D"
        assert shared(("other",), lambda: read("e")) == "D"  # the inner block's read serves
    assert shared(("k",), lambda: read("f")) == "F"
    assert made == ["a", "b", "d", "f"]
