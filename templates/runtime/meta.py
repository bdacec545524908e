"""What is known about a response besides its fields: :class:`ResponseMeta`
(HTTP status, headers, attempts, elapsed time) and the :class:`Deviation`
records of an answer that disagreed with its model.

A leaf of the runtime: it imports only msgspec and the standard library.
``model`` re-exports both names, their documented home.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

__all__ = ["Deviation", "ResponseMeta", "NO_META"]


class Deviation(msgspec.Struct, frozen=True):
    """One place where an answer disagreed with its response model.

    ``kept`` is what the attribute at ``path`` holds: ``value`` itself when it
    could not be coerced (``coerced`` false; ``None`` for a required field
    that was absent), otherwise a lossless coercion of it (``coerced`` true):
    a number or boolean where text is expected becomes its JSON text, exactly
    as it was sent (``1.10`` stays ``"1.10"``), and a single value where a
    list is expected becomes a one-element list.
    """

    path: str
    """Where, from the response object, with wire names: ``InstanceSet[0].Zone``."""
    expected: str
    """The type the model has there, null aside: ``str``, ``list[Instance]``."""
    value: Any
    """The value that came, as decoded from JSON; ``msgspec.UNSET`` when absent."""
    kept: Any
    """What the attribute holds instead of a value of the expected type."""
    coerced: bool = False
    """True when ``kept`` is a lossless coercion of ``value``, not ``value`` itself."""


class ResponseMeta(msgspec.Struct, frozen=True):
    """What is known about how a response arrived; ``response.meta``.

    None of it is part of the model: it is not in the JSON, ``==`` or repr.
    A response parsed with ``from_envelope`` has status 0, no headers and 0
    attempts; one returned by a client call has all of them.
    """

    status: int = 0
    """The HTTP status of the answer (0 when parsed from a body alone)."""
    headers: Mapping[str, str] = msgspec.field(default_factory=dict)
    """The HTTP headers of the answer (names compare without regard to case)."""
    attempts: int = 0
    """How many HTTP requests the call took, retries included."""
    elapsed: float = 0.0
    """Seconds from the start of the first attempt to the parsed answer, pauses included."""
    deviations: tuple[Deviation, ...] = ()
    """Where the answer disagreed with the response model (see ``Deviation``)."""


NO_META = ResponseMeta()
"""The meta of a response nothing is known about."""
