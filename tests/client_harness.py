"""The fake server harness shared by the client tests: one test body, sync and async clients."""

from __future__ import annotations

import asyncio
import copy
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codegen.pipeline import load_project

from .fake_tencent import FakeTencentCloud

SPECS = Path(__file__).resolve().parent.parent / "specs"

SECRET_ID = "AKIDtestsecretid"
SECRET_KEY = "VERY-SECRET-KEY-9f8e7d6c5b4a"
MODES = ["sync", "async"]


def spec_examples(service: str) -> dict[str, dict[str, Any]]:
    """The first success example of each action of ``service`` in specs/ (a copy per call)."""
    return copy.deepcopy(_spec_examples(service))


@functools.cache
def _spec_examples(service: str) -> dict[str, dict[str, Any]]:
    # Loading specs/ takes a fifth of a second; the fake server fixture asks once per test.
    project = load_project(SPECS)
    examples = {}
    for version in project.services:
        if version.service == service:
            for action in version.actions:
                for example in action.examples:
                    body = json.loads(example.response_json)
                    if "Error" not in body["Response"]:
                        examples[action.name] = body
                        break
    return examples


class Clock:
    """An injected clock that moves one second per reading, and a sleep recorder."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        self.now += 1
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


class Harness:
    """Runs the same test body against the sync or the async TRTC client."""

    def __init__(self, mode: str, server: FakeTencentCloud, generated: Path) -> None:
        from tcsdk.trtc.v20190722.client import AsyncTrtcClient, TrtcClient

        self.mode = mode
        self.server = server
        self.clock = Clock()
        self.sync_cls = TrtcClient
        self.async_cls = AsyncTrtcClient

    def client_kwargs(self, **overrides: Any) -> dict[str, Any]:
        from tcsdk.common.credentials import Credentials

        kwargs: dict[str, Any] = {
            "credentials": Credentials(SECRET_ID, SECRET_KEY),
            "endpoint": self.server.url,
            "region": "ap-beijing",
            "clock": self.clock,
            "sleep": self.clock.sleep if self.mode == "sync" else self.clock.async_sleep,
            "timeout": 5.0,
        }
        kwargs.update(overrides)
        return kwargs

    def run(self, body: Callable[[Any], Any], **overrides: Any) -> Any:
        """Call ``body(client)`` (awaiting it for async) inside an open client."""
        kwargs = self.client_kwargs(**overrides)
        credentials = kwargs.pop("credentials")
        if self.mode == "sync":
            with self.sync_cls(credentials, **kwargs) as client:
                return body(client)

        async def main() -> Any:
            async with self.async_cls(credentials, **kwargs) as client:
                return await body(client)

        return asyncio.run(main())
