"""A fake Tencent Cloud endpoint that throttles: past ``limit`` calls in the
last ``window`` seconds it answers ``RequestLimitExceeded``, as a service
does when an account calls too often.

It is ``fake_tencent.FakeTencentCloud`` (a real HTTP server on 127.0.0.1
that checks every signature) with a sliding-window limiter in front of the
scripted answers: a call let through gets the next scripted behaviour (or
the action's example). ``limit`` and ``count_refused`` may be changed while
it runs (``limit=None``: no limit; ``limit=0``: refuse everything).
``count_refused=True`` counts refused calls in the window too, as a service
that limits attempts rather than accepted calls does: a client that keeps
calling faster than the limit then gets nothing through.

Used by tests/runtime/test_throttling_client.py and benchmarks/throttling.py.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from .fake_tencent import Behaviour, FakeTencentCloud

THROTTLED = Behaviour("error", code="RequestLimitExceeded", message="Too many requests; try again later.")


class ThrottlingFake(FakeTencentCloud):
    """``FakeTencentCloud`` refusing calls over ``limit`` per ``window`` seconds; counts both."""

    def __init__(
        self,
        service: str,
        keys: dict[str, str],
        examples: dict[str, dict[str, Any]],
        *,
        limit: int | None = None,
        window: float = 1.0,
        count_refused: bool = False,
    ) -> None:
        super().__init__(service, keys, examples)
        self.limit = limit
        self.window = window
        self.count_refused = count_refused
        self.accepted = 0
        self.refused = 0
        self._window: deque[float] = deque()
        self._counting = threading.Lock()

    def reset_counts(self) -> None:
        """Zero the counters and empty the window."""
        with self._counting:
            self.accepted = self.refused = 0
            self._window.clear()

    def _next(self, action: str) -> Behaviour:
        now = time.monotonic()
        with self._counting:
            window = self._window
            while window and window[0] <= now - self.window:
                window.popleft()
            if self.limit is not None and len(window) >= self.limit:
                self.refused += 1
                if self.count_refused:
                    window.append(now)
                return THROTTLED
            window.append(now)
            self.accepted += 1
        return super()._next(action)
