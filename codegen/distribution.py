"""``codegen generate --distribution NAME``: a ``pyproject.toml`` beside the package.

Vendoring the generated package needs nothing more, but a team that would
rather install it (into several services, or from its own index) needs a
build description. This module writes one for setuptools at
``<out>/pyproject.toml``: the distribution name the user chose, the runtime
dependencies as ranges around the versions we test with, and package
discovery limited to the generated package, so ``pip wheel <out>`` gives a
wheel of that package and nothing else.

Without ``--distribution-version`` the version is ``0.0.0+g<12 hex digits>``,
taken from a hash of the generated files, so it is the same on every run
with the same output and different whenever the output changes. The text
depends only on its inputs (no dates, no paths), so it is byte-identical
from run to run like the rest of the output.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from .writer import replace_file

PYPROJECT = "pyproject.toml"

# What the generated runtime is tested with: the exact pins of the `runtime`
# extra in the generator's own pyproject.toml (tests/codegen/test_distribution.py
# keeps the two equal). The wheel accepts these releases up to, but not
# including, the next minor release: both libraries are still below 1.0,
# where a minor release is allowed to break.
TESTED_RUNTIME: tuple[tuple[str, str], ...] = (("msgspec", "0.22.0"), ("httpx", "0.28.1"))


def _ranges(tested: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    requirements = []
    for name, version in tested:
        major, minor = version.split(".")[:2]
        requirements.append(f"{name}>={version},<{major}.{int(minor) + 1}")
    return tuple(requirements)


RUNTIME_REQUIREMENTS = _ranges(TESTED_RUNTIME)

# setuptools 61 is the first release that reads [project] from pyproject.toml.
BUILD_REQUIRES = "setuptools>=61"

# A distribution name as PEP 508 defines it (ASCII only).
_NAME = re.compile(r"[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]", re.ASCII)

# A PEP 440 version, in any spelling the PEP accepts and normalizes
# ("1.0", "v1.0", "1.0-RC.1", "1.0.post2", "2!1.0.dev3+acme.7"), with no
# surrounding blanks. Parts in order: optional "v", epoch, release numbers,
# pre-release, post-release, development release, local label.
# re.ASCII keeps IGNORECASE from letting look-alikes such as the Kelvin sign
# stand for "k".
_SEPARATOR = "[-_.]?"
_VERSION = re.compile(
    rf"""
    v?
    (?:[0-9]+!)?
    [0-9]+(?:\.[0-9]+)*
    (?:{_SEPARATOR}(?:alpha|a|beta|b|preview|pre|c|rc){_SEPARATOR}[0-9]*)?
    (?:-[0-9]+|{_SEPARATOR}(?:post|rev|r){_SEPARATOR}[0-9]*)?
    (?:{_SEPARATOR}dev{_SEPARATOR}[0-9]*)?
    (?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?
    """,
    re.VERBOSE | re.IGNORECASE | re.ASCII,
)


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a distribution name, or None when it can."""
    if _NAME.fullmatch(name):
        return None
    return (
        "is not a valid distribution name "
        "(ASCII letters, digits, '.', '_' and '-', starting and ending with a letter or digit)"
    )


def version_problem(version: str) -> str | None:
    """Why ``version`` is not a PEP 440 version, or None when it is one."""
    if _VERSION.fullmatch(version):
        return None
    return "is not a PEP 440 version (for example 1.4.0, 2.0rc1, 1.4.0.post1, 1.4.0+acme.3)"


def content_version(files: Mapping[str, str]) -> str:
    """``0.0.0+g`` and 12 hex digits of a hash over the (path, text) pairs, sorted by path.

    Every part is preceded by its length, so no two different file sets hash
    the same bytes.
    """
    digest = hashlib.sha256()
    for name, text in sorted(files.items()):
        for part in (name.encode("utf-8"), text.encode("utf-8")):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return f"0.0.0+g{digest.hexdigest()[:12]}"


def _string(value: str) -> str:
    """A TOML basic string holding ``value``."""
    characters = []
    for character in value:
        if character in '"\\':
            characters.append("\\" + character)
        elif ord(character) < 0x20 or ord(character) == 0x7F:
            characters.append(f"\\u{ord(character):04X}")
        else:
            characters.append(character)
    return '"' + "".join(characters) + '"'


def _array(values: Iterable[str]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


def _package_data(files: Mapping[str, str], package: str) -> dict[str, list[str]]:
    """The package's files that are not modules, by the dotted name of their folder."""
    data: dict[str, list[str]] = {}
    for name in sorted(files):
        path = PurePosixPath(name)
        if path.parts[0] == package and path.suffix != ".py":
            data.setdefault(".".join(path.parent.parts), []).append(path.name)
    return data


def pyproject_text(name: str, package: str, files: Mapping[str, str], version: str = "") -> str:
    """The ``pyproject.toml`` that builds ``files`` (the generated package) as distribution ``name``.

    ``version`` defaults to :func:`content_version`. Raises ValueError for a
    name or version that the command line would have refused.
    """
    version = version or content_version(files)
    for value, problem in ((name, name_problem(name)), (version, version_problem(version))):
        if problem is not None:
            raise ValueError(f"{value!r} {problem}")
    lines = [
        "# Written by `codegen generate --distribution`; regenerated with the package, do not edit.",
        "",
        "[build-system]",
        f"requires = {_array([BUILD_REQUIRES])}",
        'build-backend = "setuptools.build_meta"',
        "",
        "[project]",
        f"name = {_string(name)}",
        f"version = {_string(version)}",
        "description = "
        + _string(
            f"Typed Python bindings for Tencent Cloud API 3.0 (package {package}), generated by tencentcloud-codegen."
        ),
        'requires-python = ">=3.11"',
        "dependencies = [",
        *(f"    {_string(requirement)}," for requirement in RUNTIME_REQUIREMENTS),
        "]",
        "",
        "[tool.setuptools.packages.find]",
        'where = ["."]',
        f"include = {_array([package, package + '.*'])}",
        f"exclude = {_array(['*.__pycache__'])}",
        "",
        "[tool.setuptools.package-data]",
        *(f"{_string(folder)} = {_array(names)}" for folder, names in _package_data(files, package).items()),
    ]
    return "\n".join(lines) + "\n"


def update_pyproject(out: Path, text: str, *, check: bool) -> bool:
    """Bring ``out/pyproject.toml`` to ``text``; True when it changed (or, with ``check``, would)."""
    path = out / PYPROJECT
    if check:
        try:
            return path.read_bytes() != text.encode("utf-8")
        except FileNotFoundError:
            return True
    return replace_file(path, text)
