"""Fixed time windows (24h, 1h, 1m): where one starts, when it resets.

Windows are aligned to the Unix epoch in UTC, so every control-plane replica puts a
request in the same window without talking to the others: a 24h window runs from 00:00
UTC to 00:00 UTC, a 1h window from the full hour. Pure functions; the clock is passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Window:
    seconds: int
    start: int  # epoch seconds

    @property
    def resets_at(self) -> int:
        return self.start + self.seconds

    def retry_after(self, now: float) -> int:
        """Whole seconds until the window resets (at least 1, as Retry-After wants)."""
        return max(1, math.ceil(self.resets_at - now))

    def resets_at_iso(self) -> str:
        return datetime.fromtimestamp(self.resets_at, UTC).isoformat().replace("+00:00", "Z")


def window_at(seconds: int, now: float) -> Window:
    """The window of `seconds` length that holds the instant `now` (epoch seconds)."""
    start = int(now // seconds) * seconds
    return Window(seconds, start)


def describe(seconds: int) -> str:
    """86400 -> '24h', 60 -> '1m': how a window is named in messages."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and (unit != "d" or seconds // size > 1):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
