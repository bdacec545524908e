"""What the local endpoint (``common.fake_server``) knows of this package.

The service versions the package's ``SERVICES`` lists; the actions of each
(read from its client module) and the spec's examples of each action (its
``examples.json``), both read on first use: starting the endpoint imports
the service versions' packages, not their clients or models. Nothing here
is public: the endpoint is used through ``common.fake_server``.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .plan import Action

__all__: list[str] = []


class _Catalog:
    """The service versions of this package; their actions and examples are read on first use."""

    def __init__(self, package: str) -> None:
        self.package = package
        root = importlib.import_module(package)
        # (service, version) -> module of the service version
        self.versions: dict[tuple[str, str], str] = {}
        for dotted in getattr(root, "SERVICES", ()):
            module = importlib.import_module(f"{package}.{dotted}")
            self.versions[(module.SERVICE, module.VERSION)] = module.__name__
        self._lock = threading.Lock()
        self._actions: dict[str, dict[str, Action[Any, Any]]] = {}
        self._examples: dict[str, dict[str, list[dict[str, Any]]]] = {}

    @property
    def services(self) -> set[str]:
        return {service for service, _ in self.versions}

    def actions(self, module: str) -> dict[str, Action[Any, Any]]:
        with self._lock:
            found = self._actions.get(module)
        if found is None:
            from .testing import _actions_of

            found = _actions_of(module)
            with self._lock:
                self._actions[module] = found
        return found

    def examples(self, module: str, action: str) -> list[dict[str, Any]]:
        with self._lock:
            found = self._examples.get(module)
        if found is None:
            from .testing import _examples_of

            found = _examples_of(module)
            with self._lock:
                self._examples[module] = found
        return found.get(action, [])

    def locate(
        self, action: str, service: str | None, version: str | None
    ) -> tuple[str, str, str] | None:
        """The one service version (service, version, module) with ``action``, if known.

        None when no service version of the package has it; ValueError when
        several do and ``service`` and ``version`` do not tell which.
        """
        found = [
            (s, v, module)
            for (s, v), module in sorted(self.versions.items())
            if service in (None, s)
            and version in (None, v)
            and action in self.actions(module)
        ]
        if len(found) > 1:
            listed = ", ".join(f"{s} {v}" for s, v, _ in found)
            raise ValueError(
                f"{action} is an action of {listed}: pass service= and version="
            )
        return found[0] if found else None
