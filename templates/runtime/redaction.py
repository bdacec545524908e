"""The secret values this process holds, and text with them taken out.

Every provider registers the secrets it hands out or reads (secret keys,
session tokens, web identity tokens) as it gets them; every exception
message, repr and log line the runtime makes goes through :func:`scrub`, so a
secret that a service or a credential endpoint quotes back never reaches a
log, whatever the field it hides in.

A leaf of the runtime: it imports only the standard library.
"""

from __future__ import annotations

import threading

__all__ = ["HIDDEN", "register", "scrub"]

HIDDEN = "<hidden>"

# Shorter values are not secrets anyone issues, and replacing them would
# mangle ordinary words in messages.
_SHORTEST = 8
# Temporary keys rotate: keep the most recent ones, bounded, so that a
# process running for months does not grow.
_KEPT = 256

_lock = threading.Lock()
_known: dict[str, None] = {}  # insertion-ordered: the oldest go first
_longest_first: tuple[str, ...] = ()


def register(*values: str | None) -> None:
    """Remember ``values`` as secrets (``None`` and short values are ignored)."""
    global _longest_first
    fresh = [v for v in values if v and len(v) >= _SHORTEST and v not in _known]
    if not fresh:
        return
    with _lock:
        for value in fresh:
            _known.pop(value, None)
            _known[value] = None
        while len(_known) > _KEPT:
            del _known[next(iter(_known))]
        # Longest first, so that a secret containing another is hidden whole.
        _longest_first = tuple(sorted(_known, key=len, reverse=True))


def scrub(text: str) -> str:
    """``text`` with every registered secret replaced by ``<hidden>``."""
    for secret in _longest_first:
        if secret in text:
            text = text.replace(secret, HIDDEN)
    return text
