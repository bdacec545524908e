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
from typing import Literal

import msgspec

from . import exceptions

__all__ = [
    "RetryPolicy",
    "NO_RETRY",
    "READ_ONLY_PREFIXES",
    "is_read_only",
    "is_throttling",
    "throttled",
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


def throttled(error: exceptions.SDKError) -> bool:
    """Whether an attempt was refused for its rate: a throttling code, or HTTP 429 without one."""
    if isinstance(error, exceptions.TencentCloudError):
        return is_throttling(error.code)
    return isinstance(error, exceptions.HTTPStatusError) and error.status == 429


def _not_int(value: object) -> bool:
    return isinstance(value, bool) or not isinstance(value, int)


def _not_number(value: object) -> bool:
    return isinstance(value, bool) or not isinstance(value, (int, float))


# A frozen Struct, not a dataclass: made faster, and the sync client's import
# does not load dataclasses. msgspec.structs.replace makes a changed copy.
class RetryPolicy(msgspec.Struct, frozen=True):
    """Attempts and exponential backoff with full jitter.

    Before attempt ``n + 1`` the client waits a random time between 0 and
    ``min(max_delay, base_delay * 2 ** (n - 1))`` seconds.

    ``retry_quota``: the tokens of the client's retry budget (see
    ``throttling.RetryQuota``; shared with its ``with_options`` copies). A
    retry costs 5 (10 after a transport failure), a success gives back what
    its call took (1 when it needed no retry); with the budget spent, a
    failed call is not retried. None: no budget, every retry the policy
    allows is made. ``mode="adaptive"`` also paces attempts after throttled
    answers (``throttling.RateLimiter``, one per account, region and service
    in the process); ``"standard"`` does not.
    """

    max_attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 5.0
    retry_throttling: bool = True
    retry_unsent: bool = True
    retry_when_safe: bool = True
    mode: Literal["standard", "adaptive"] = "standard"
    retry_quota: int | None = 500

    def __post_init__(self) -> None:
        if _not_int(self.max_attempts) or self.max_attempts < 1:
            raise ValueError(
                f"max_attempts must be at least 1, not {self.max_attempts!r}"
            )
        for name in ("base_delay", "max_delay"):
            value = getattr(self, name)
            if _not_number(value) or not 0 <= value < float("inf"):
                raise ValueError(
                    f"{name} must be a number of seconds >= 0, not {value!r}"
                )
        if self.mode not in ("standard", "adaptive"):
            raise ValueError(
                f"mode must be 'standard' or 'adaptive', not {self.mode!r}"
            )
        quota = self.retry_quota
        if quota is not None and (_not_int(quota) or quota < 1):
            raise ValueError(
                f"retry_quota must be a positive integer or None, not {quota!r}"
            )

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
    if attempt >= policy.max_attempts or isinstance(error, exceptions.DeadlineExceeded):
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
