"""Local fakes for region failover: a primary endpoint that can be told to fail
and a backup, both real servers on 127.0.0.1 checking every signature.

``FailingFake`` is the test fake (``fake_tencent``) with an outage switch
over all its actions: ``fail(behaviour, times=N)`` answers the next N
requests with ``behaviour`` (a 502, a dropped connection, a slow answer that
times out), ``fail(behaviour, seconds=S)`` does so for S seconds, ``fail``
alone until ``heal()``. Requests refused for their signature do not use up
the outage. The client reaches the backup through a backup URL
(``Failover(backup=pair.backup.url)``), so nothing leaves the machine and the
production rule (a domain becomes ``<service>.<domain>``) is unchanged.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from .client_harness import SECRET_ID, SECRET_KEY, spec_examples
from .fake_tencent import Behaviour, FakeTencentCloud, Received

BAD_GATEWAY = Behaviour("status", status=502)
DROP = Behaviour("close")


class FailingFake(FakeTencentCloud):
    """A fake endpoint whose every action fails while an outage lasts."""

    def __init__(self, service: str, keys: dict[str, str], examples: dict[str, dict[str, Any]]) -> None:
        super().__init__(service, keys, examples)
        self._outage_lock = threading.Lock()
        self._outage: Behaviour | None = None
        self._left: int | None = None  # answers the outage still gives (None: no count)
        self._until: float | None = None  # when it ends (time.monotonic; None: no end)

    def fail(
        self, behaviour: Behaviour = BAD_GATEWAY, *, times: int | None = None, seconds: float | None = None
    ) -> None:
        """Answer every action with ``behaviour``: ``times`` requests, for ``seconds``, or until healed."""
        with self._outage_lock:
            self._outage = behaviour
            self._left = times
            self._until = None if seconds is None else time.monotonic() + seconds

    def heal(self) -> None:
        """End the outage: answers come from the script (or the examples) again."""
        with self._outage_lock:
            self._outage = self._left = self._until = None

    def _next(self, action: str) -> Behaviour:
        with self._outage_lock:
            outage = self._outage
            if outage is not None and self._until is not None and time.monotonic() >= self._until:
                outage = self._outage = None
            if outage is not None and self._left is not None:
                self._left -= 1
                if self._left <= 0:
                    self._outage = None
        return outage if outage is not None else super()._next(action)


@dataclass
class Pair:
    """A primary endpoint and its backup, both for ``service``."""

    primary: FailingFake
    backup: FailingFake

    def stop(self) -> None:
        self.primary.stop()
        self.backup.stop()

    def hits(self) -> list[tuple[str, str]]:
        """Every request either received, in the order received: (``"primary"``/``"backup"``, action)."""
        both: list[tuple[float, str, Received]] = [
            *((r.at, "primary", r) for r in self.primary.calls()),
            *((r.at, "backup", r) for r in self.backup.calls()),
        ]
        return [(where, received.action) for _, where, received in sorted(both, key=lambda item: item[0])]


def start_pair(service: str = "trtc") -> Pair:
    """A started primary and backup accepting the harness's key pair."""
    keys = {SECRET_ID: SECRET_KEY}
    examples = spec_examples(service)
    primary, backup = FailingFake(service, keys, examples), FailingFake(service, keys, examples)
    primary.start()
    backup.start()
    return Pair(primary, backup)


class FakeClock:
    """The breaker's clock in tests: moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
