"""Try a test's setup step again when the test's own doing (a killed worker, a background
ANALYZE) makes it fail once; the step's result, or its last failure."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def retried(
    step: Callable[[], T],
    on: type[BaseException] | tuple[type[BaseException], ...],
    attempts: int = 3,
    pause: float = 0.5,
) -> T:
    for _ in range(attempts - 1):
        try:
            return step()
        except on:
            time.sleep(pause)
    return step()
