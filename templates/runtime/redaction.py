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

__all__ = ["HIDDEN", "register", "scrub", "scrubbed_excerpt"]

HIDDEN = "<hidden>"

# Shorter values are not secrets anyone issues, and replacing them would
# mangle ordinary words in messages.
_SHORTEST = 8
# Temporary keys rotate: keep the most recently seen ones, bounded, so that a
# process renewing them for months does not grow. Lasting secrets (permanent
# keys, a web identity token given as a value, an external id) are few and
# must never fall out, however many temporary ones come after them.
_KEPT = 256
# Text cut for a message is scrubbed over this much more than the cut: wider
# than any key, token or JWT a credential service hands out.
_WINDOW = 16384

_lock = threading.Lock()
_lasting: set[str] = set()
_rotating: dict[str, None] = {}  # insertion-ordered: least recently seen first
_longest_first: tuple[str, ...] = ()


def register(*values: str | None, lasting: bool = False) -> None:
    """Remember ``values`` as secrets (``None`` and short values are ignored).

    ``lasting`` secrets are kept for the life of the process; the others
    are kept while they are among the last 256 registered (registering one
    again counts as seeing it again).
    """
    global _longest_first
    # Without the lock: a permanent key seen again (at every call of some
    # providers) changes nothing.
    fresh = [v for v in values if v and len(v) >= _SHORTEST and v not in _lasting]
    if not fresh:
        return
    with _lock:
        changed = False
        for value in fresh:
            if value in _lasting:
                continue  # made lasting by another thread meanwhile
            if lasting:
                _rotating.pop(value, None)
                _lasting.add(value)
                changed = True
            elif value in _rotating:
                # Seen again: move it to the young end, the set is unchanged.
                del _rotating[value]
                _rotating[value] = None
            else:
                _rotating[value] = None
                changed = True
        while len(_rotating) > _KEPT:
            del _rotating[next(iter(_rotating))]
            changed = True
        if changed:
            # Longest first, so that a secret containing another is hidden
            # whole.
            _longest_first = tuple(
                sorted((*_lasting, *_rotating), key=len, reverse=True)
            )


def scrub(text: str) -> str:
    """``text`` with every registered secret replaced by ``<hidden>``."""
    for secret in _longest_first:
        if secret in text:
            text = text.replace(secret, HIDDEN)
    return text


def scrubbed_excerpt(text: str | bytes, limit: int) -> str:
    """At most ``limit`` characters from the start of ``text``, scrubbed.

    Scrubbing comes first, on a window wider than ``limit`` by more than any
    secret is long, so that the cut can never keep the first part of a
    secret that the whole text would have hidden. Bytes are read as UTF-8.
    """
    window = text[: limit + _WINDOW]
    if isinstance(window, bytes):
        window = window.decode("utf-8", "replace")
    return scrub(window)[:limit]
