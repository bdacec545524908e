"""Reporting the places where an answer did not fit its model.

``tolerant`` decodes such an answer and lists the places as
:class:`~.meta.Deviation` values; this module turns them into words:
:func:`message`, the one line a ``ResponseShapeError`` carries in strict
mode, and :func:`warn`, which logs each place once per action (on the
``common.tolerant`` logger, the name the documentation gives). Values at
places whose names look secret are never shown, and known secrets are taken
out of every line.

``envelope`` imports it with ``tolerant``, for answers that do not fit. It
imports ``meta``, ``redaction`` and msgspec.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

import msgspec

from .meta import Deviation
from .redaction import scrub

__all__ = ["message", "warn"]

# The logger keeps the decoding module's name, which users configure.
_log = logging.getLogger(__name__.rpartition(".")[0] + ".tolerant")

_ABSENT: Any = msgspec.UNSET
_BRIEF = 60
# Values at paths with one of these words (SecretKey, Password, UserSig, ...)
# are not shown in log lines or exception messages; the response and the
# deviations keep them.
_SECRET = re.compile(
    r"secret|passw|token|credential|private|signature|sig\b|accesskey|apikey",
    re.IGNORECASE,
)


def message(found: list[Deviation]) -> str:
    """One line naming the first deviation (and how many more)."""
    first = found[0]
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return (
        f"response does not match the model at {first.path}: {_describe(first)}{more}"
    )


def _describe(deviation: Deviation) -> str:
    secret = _SECRET.search(deviation.path) is not None
    text = f"expected {deviation.expected}, got {_brief(deviation.value, secret)}"
    if deviation.coerced:
        text += f", kept {_brief(deviation.kept, secret)}"
    return text


def _brief(value: Any, secret: bool) -> str:
    if value is _ABSENT:
        return "nothing"
    kind = {
        type(None): "null",
        bool: "boolean",
        int: "number",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
    }.get(type(value), type(value).__name__)
    if secret or value is None or _holds_secret(value):
        return kind
    try:
        shown = msgspec.json.encode(value).decode()
    except (TypeError, ValueError, OverflowError):
        shown = repr(value)  # not a JSON value (a mapping given by the caller)
    if len(shown) > _BRIEF:
        shown = shown[: _BRIEF - 3] + "..."
    return f"{kind} {shown}"


def _holds_secret(value: Any) -> bool:
    """Whether an object inside ``value`` has a key that looks secret."""
    stack = [value]
    while stack:  # not recursive: the value may be nested deeply
        item = stack.pop()
        if isinstance(item, Mapping):
            if any(_SECRET.search(str(key)) for key in item):
                return True
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


_LOGGED: set[tuple[str, str]] = set()
_INDEX = re.compile(r"\[\d+\]")
_LOGGED_LOCK = threading.Lock()
_LOGGED_MAX = 10_000


def warn(action: str, found: list[Deviation]) -> None:
    """Log each deviation once per action and place (list indexes aside).

    Known secrets are taken out of every line (``redaction.scrub``).
    """
    for deviation in found:
        path = deviation.path
        key = (action, _INDEX.sub("[]", path) if "[" in path else path)
        if key in _LOGGED:  # the usual case, read without the lock
            continue
        with _LOGGED_LOCK:
            if key in _LOGGED:
                continue
            if len(_LOGGED) >= _LOGGED_MAX:
                _LOGGED.clear()  # bounded memory; warnings may then repeat
            _LOGGED.add(key)
        line = (
            f"{action} answer does not match its model at {deviation.path}:"
            f" {_describe(deviation)}; decoded tolerantly"
            " (see response.meta.deviations)"
        )
        _log.warning("%s", scrub(line))
