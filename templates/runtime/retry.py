"""When a failed call is tried again, and how long to wait before it.

A call is repeated only when repeating cannot do harm: the service refused it
for throttling (it did nothing), the connection failed before the request
was sent, or the action is safe to repeat (read-only, or the request carries
an idempotency token) and the failure happened after sending (a 5xx answer,
a read timeout, a dropped connection). A create or purchase call that may
have reached the service is never repeated behind the caller's back.

:func:`retry_delay` is that decision for one failed attempt (both clients'
call plan asks it), :func:`retry_after` reads a throttled answer's
Retry-After header.

A leaf of the runtime: it imports msgspec, the standard library and the
exception classes of ``exceptions``.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from . import exceptions

__all__ = [
    "RetryPolicy",
    "NO_RETRY",
    "READ_ONLY_PREFIXES",
    "is_read_only",
    "is_throttling",
    "retry_after",
    "retry_delay",
]

# Actions named with these prefixes only read state, so repeating them is
# harmless. The generator marks generated actions read-only by the same rule.
READ_ONLY_PREFIXES = ("Describe", "Get", "List", "Query", "Inquiry", "Inquire")


def is_read_only(action: str) -> bool:
    """Whether an action only reads state, judged by its name."""
    return action.startswith(READ_ONLY_PREFIXES)


def is_throttling(code: str) -> bool:
    """RequestLimitExceeded and its sub-codes: the service did not act on the request."""
    return code == "RequestLimitExceeded" or code.startswith("RequestLimitExceeded.")


# A frozen Struct, not a dataclass: made faster, and the sync client's import
# does not load dataclasses. msgspec.structs.replace makes a changed copy.
class RetryPolicy(msgspec.Struct, frozen=True):
    """Attempts and exponential backoff with full jitter.

    Before attempt ``n + 1`` the client waits a random time between 0 and
    ``min(max_delay, base_delay * 2 ** (n - 1))`` seconds.
    """

    max_attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 5.0
    retry_throttling: bool = True
    retry_unsent: bool = True
    retry_when_safe: bool = True

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("delays must not be negative")

    def cap(self, attempt: int) -> float:
        """The longest wait after failed attempt number ``attempt`` (from 1)."""
        return min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))

    def delay(
        self, attempt: int, uniform: Callable[[float, float], float] | None = None
    ) -> float:
        """A wait drawn with full jitter for after attempt ``attempt`` (``uniform``: random.uniform)."""
        if uniform is None:
            import random  # only a retry needs it

            uniform = random.uniform
        return uniform(0.0, self.cap(attempt))


NO_RETRY = RetryPolicy(max_attempts=1)
"""Never repeat a call."""


def retry_delay(
    policy: RetryPolicy,
    error: exceptions.SDKError,
    attempt: int,
    safe: bool,
    now: float,
    uniform: Callable[[float, float], float] | None = None,
) -> float | None:
    """Seconds to wait before trying again after ``error``, or None to give up.

    ``safe``: the call may be repeated after it reached the service; ``now``:
    the clock's time (for a Retry-After date).
    """
    if attempt >= policy.max_attempts:
        return None
    throttled = False
    if isinstance(error, exceptions.TencentCloudError):
        throttled = again = policy.retry_throttling and is_throttling(error.code)
    elif isinstance(error, exceptions.TransportError):
        again = (
            policy.retry_unsent if not error.sent else policy.retry_when_safe and safe
        )
    elif isinstance(error, exceptions.HTTPStatusError):
        # 429: the service refused the request without acting on it.
        throttled = error.status == 429 and policy.retry_throttling
        again = throttled or (error.status >= 500 and policy.retry_when_safe and safe)
    else:
        again = False
    if not again:
        return None
    if throttled:
        assert isinstance(
            error, (exceptions.TencentCloudError, exceptions.ResponseError)
        )
        wait = retry_after(error.headers.get("retry-after"), now)
        if wait is not None:
            return min(wait, policy.max_delay)
    return policy.delay(attempt, uniform)


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds a Retry-After header asks for (delta seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        import email.utils  # only an HTTP date needs it

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - now
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)
