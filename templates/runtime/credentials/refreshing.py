"""Temporary credentials renewed before they expire: :class:`RefreshingCredentials`,
the one base of every provider that fetches keys (CVM role, STS).

A fetch is a sans-IO flow (``.flow``) run by the sync or the async driver.
Whatever mix of threads and event loops asks, one fetch runs at a time: the
first caller that finds no usable keys runs it, and every other caller that
needs its result waits for it (threads on an event, tasks on a future of
their own loop) and gets its keys or its error. After a fetch fails with no
valid keys left, its error is given again for ``backoff`` seconds instead of
starting a new fetch for each caller. Keys that have already expired when
they are handed out are refused.

Imports the standard library and ``..exceptions``, ``..redaction``,
``.types``, ``.flow``; asyncio and logging only where used.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ..exceptions import CredentialsError, SDKError
from ..redaction import scrub
from .flow import Call, Flow, HTTPSettings, run_async, run_sync
from .types import Credentials

if TYPE_CHECKING:
    import asyncio

__all__ = ["RefreshingCredentials"]


class _Flight:
    """One fetch in progress and, once done, its outcome for every waiter.

    Neither keys nor an error means the fetch was abandoned (its task was
    cancelled): a waiter then tries again itself.
    """

    __slots__ = ("done", "credentials", "error", "thread", "_waiters", "_lock")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.credentials: Credentials | None = None
        self.error: BaseException | None = None
        self.thread = threading.get_ident()  # the thread that runs the fetch
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._lock = threading.Lock()

    def finish(
        self, credentials: Credentials | None, error: BaseException | None
    ) -> None:
        with self._lock:
            self.credentials, self.error = credentials, error
            self.done.set()
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            try:
                loop.call_soon_threadsafe(_wake, future)
            except RuntimeError:  # that loop has been closed meanwhile
                pass

    async def wait_async(self) -> None:
        import asyncio

        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self.done.is_set():
                return
            self._waiters.append((loop, future))
        await future


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _again(error: BaseException) -> BaseException:
    """The error of a shared fetch, as a new exception for one more waiter."""
    if isinstance(error, CredentialsError):
        return CredentialsError(str(error))
    import copy

    try:
        return copy.copy(error)
    except Exception:
        return error


class RefreshingCredentials:
    """Temporary credentials fetched by ``fetch`` and renewed before they expire.

    ``fetch`` returns :class:`Credentials` with ``expires_at`` set. They are
    renewed once fewer than ``margin`` seconds remain (or half their
    lifetime, when that is shorter). One caller renews while the others keep
    using the current credentials, or wait for that one renewal when there
    are none. When a renewal fails while the current credentials are still
    valid, they are kept and used, a warning is logged, and renewal is tried
    again after ``retry_interval`` seconds. When it fails with none valid,
    every waiting caller gets its error, and so does every caller for the
    next ``backoff`` seconds. Credentials that have already expired when
    ``fetch`` returns them are a :class:`CredentialsError`.

    ``fetch_async``, when given, is used by async clients so that renewing
    never blocks the loop; without it, async clients run ``fetch`` in a
    worker thread. ``clock`` gives the Unix time.
    """

    description = "the refresh function"
    _http = HTTPSettings(10.0, 30.0, {})  # providers that make requests set theirs

    def __init__(
        self,
        fetch: Callable[[], Credentials],
        *,
        fetch_async: Callable[[], Awaitable[Credentials]] | None = None,
        margin: float = 300.0,
        clock: Callable[[], float] = time.time,
        retry_interval: float = 10.0,
        backoff: float = 1.0,
    ) -> None:
        self._fetch = fetch
        self._fetch_async = fetch_async
        self._margin = margin
        self._clock = clock
        self._retry_interval = retry_interval
        self._backoff = backoff
        self._current: Credentials | None = None
        self._fetched_at = 0.0
        self._retry_at = 0.0
        # The last failure with no valid keys, and until when it is repeated.
        self._failure: tuple[BaseException, float] | None = None
        self._flight: _Flight | None = None
        self._lock = threading.Lock()

    def _flow(self) -> Flow[Credentials]:
        """The fetch as a flow of steps; providers that make requests override it."""
        found: Credentials = yield Call(self._fetch, self._fetch_async)
        return found

    def _usable(self) -> Credentials | None:
        """The current credentials when no renewal is due."""
        current = self._current
        if current is None:
            return None
        expires = current.expires_at
        if expires is None:
            return current
        now = self._clock()
        margin = min(self._margin, max(0.0, (expires - self._fetched_at) / 2))
        if now < expires - margin:
            return current
        if now < self._retry_at and now < expires:
            return current  # a renewal failed moments ago
        return None

    def _valid(self) -> Credentials | None:
        """The current credentials while they have not expired."""
        current = self._current
        if current is None:
            return None
        if current.expires_at is not None and current.expires_at <= self._clock():
            return None
        return current

    def _begin(self) -> tuple[Credentials | None, _Flight | None, bool]:
        """Keys to use now; else the fetch to wait for, or to run (True)."""
        with self._lock:
            found = self._usable()
            if found is not None:
                return found, None, False
            flight = self._flight
            if flight is not None:
                # Someone renews: keep using what is still valid meanwhile.
                return self._valid(), flight, False
            failure = self._failure
            if failure is not None and self._clock() < failure[1]:
                raise _again(failure[0])
            flight = self._flight = _Flight()
            return None, flight, True

    def _checked(self, fetched: object) -> Credentials:
        if not isinstance(fetched, Credentials):
            raise CredentialsError(
                f"{self.description}: the fetch did not return Credentials"
            )
        expires = fetched.expires_at
        now = self._clock()
        if expires is not None and expires <= now:
            raise CredentialsError(
                f"{self.description}: the keys handed out had expired "
                f"{now - expires:.0f} s before"
            )
        return fetched

    def _settle(
        self, flight: _Flight, fetched: object, error: BaseException | None
    ) -> Credentials:
        """Record a finished fetch, wake its waiters, and give its outcome."""
        kept: Credentials | None = None
        credentials: Credentials | None = None
        if error is None:
            try:
                credentials = self._checked(fetched)
            except CredentialsError as exc:
                error = exc
        with self._lock:
            now = self._clock()
            if credentials is not None:
                self._current, self._fetched_at = credentials, now
                self._retry_at, self._failure = 0.0, None
            elif error is not None:
                kept = self._valid()
                if kept is not None:
                    self._retry_at = now + self._retry_interval
                else:
                    self._failure = (error, now + self._backoff)
            self._flight = None
        if credentials is not None:
            flight.finish(credentials, None)
            return credentials
        assert error is not None
        if kept is not None:
            self._warn(error, kept)
            flight.finish(kept, None)
            return kept
        flight.finish(None, error)
        raise error

    def _abandon(self, flight: _Flight) -> None:
        with self._lock:
            self._flight = None
        flight.finish(None, None)

    def _warn(self, error: BaseException, valid: Credentials) -> None:
        # Our own messages only (a user's exception text is not ours to log),
        # and scrubbed of every known secret, as a service may quote one.
        reason = (
            f"{type(error).__name__}: {error}"
            if isinstance(error, SDKError)
            else type(error).__name__
        )
        remaining = (
            ""
            if valid.expires_at is None
            else f", valid {valid.expires_at - self._clock():.0f} s more"
        )
        import logging  # only a failed renewal is logged

        logging.getLogger(__package__ or __name__).warning(
            "%s",
            scrub(
                f"{self!r}: renewing credentials failed ({reason}); "
                f"using the current ones{remaining}"
            ),
        )

    @staticmethod
    def _outcome(flight: _Flight) -> Credentials | None:
        if flight.credentials is not None:
            return flight.credentials
        if flight.error is not None:
            raise _again(flight.error)
        return None  # abandoned: try again

    def get_credentials(self) -> Credentials:
        while True:
            found, flight, owner = self._begin()
            if found is not None:
                return found
            assert flight is not None
            if owner:
                try:
                    fetched = run_sync(self._flow(), self._http, self.description)
                except Exception as exc:
                    return self._settle(flight, None, exc)
                except BaseException:
                    self._abandon(flight)
                    raise
                return self._settle(flight, fetched, None)
            if flight.thread == threading.get_ident():
                # A task of this thread's event loop is fetching: waiting
                # here would stop that loop, and the fetch, for good.
                raise CredentialsError(
                    f"{self.description}: get_credentials was called on the "
                    "thread of an event loop that is fetching; await "
                    "get_credentials_async there"
                )
            flight.done.wait()
            found = self._outcome(flight)
            if found is not None:
                return found

    async def get_credentials_async(self) -> Credentials:
        while True:
            found, flight, owner = self._begin()
            if found is not None:
                return found
            assert flight is not None
            if owner:
                try:
                    fetched = await run_async(
                        self._flow(), self._http, self.description
                    )
                except Exception as exc:
                    return self._settle(flight, None, exc)
                except BaseException:
                    self._abandon(flight)  # cancelled: a waiter takes over
                    raise
                return self._settle(flight, fetched, None)
            await flight.wait_async()
            found = self._outcome(flight)
            if found is not None:
                return found

    def __repr__(self) -> str:
        return "RefreshingCredentials()"
