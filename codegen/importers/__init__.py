"""Input formats, one importer each, behind one small protocol.

An importer finds and reads the input files of its format below a folder,
grouped in :class:`~codegen.inputs.Unit` s (one per service version, read
once and hashed for the cache key), and turns a unit into checked spec
documents. Everything after that (build, render, the cache, ``codegen
diff``) is the same for every format.

The registry holds ``specs`` (our YAML spec folders) and ``tencentcloud``
(Tencent's api.json descriptions). Another format is added with
:func:`register` from any module, without changing this package; it is then
available to ``codegen generate --from NAME`` and ``codegen diff --from NAME``
of that process. Jobs carry the importer object into worker processes,
where pickle finds its class by module and name: define an importer's class
at the top level of an importable module.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..diagnostics import Diagnostic, SpecError, unknown_actions
from ..inputs import Unit

if TYPE_CHECKING:
    # Parsing and checking are imported by the code that runs them: a run
    # served by the cache only reads its input (see ``inputs``).
    from ..cache import Cache
    from ..loader import ImportedService, SpecDocument
    from ..overlay import Overlay


class Importer(Protocol):
    """One input format."""

    name: str  # what --from takes
    description: str  # one line, for --help

    def read_units(self, root: Path, folders: Sequence[str] | None = None) -> tuple[Unit, list[Unit]]:
        """The common error table and each service version's input below ``root``.

        The common unit holds an error table in our YAML format (``common/errors.yaml``);
        ``inputs.shipped_common_unit()`` is the generator's own. ``folders``
        (paths below ``root``, as :meth:`unit_of` gives them) limits the
        service versions. Raises :class:`SpecError` when the input cannot be read.
        """
        ...

    def load_unit(
        self, unit: Unit, actions: Sequence[str] | None = None, cache: Cache | None = None
    ) -> tuple[list[SpecDocument], list[Diagnostic]]:
        """The checked spec documents of one service version unit, and every problem found.

        ``actions`` limits it to those actions where the format can select
        them (no documents when none is in the unit). Each document names
        the places of its problems in the input (``path:line:col`` or
        ``path#/json/pointer``).
        """
        ...

    def unit_of(self, relative: str) -> str | None:
        """For a file at ``relative`` (a POSIX path below the root): its service version folder
        (as :meth:`read_units` takes it), "" for the common error table, None when it does not
        shape the generated API (``codegen diff`` compares only those files)."""
        ...


@runtime_checkable
class SpecWriter(Protocol):
    """What an importer offers when ``codegen import`` can write spec files from its format."""

    def import_service(
        self, api: Path, errors: Path | None, examples: Path | None, actions: Sequence[str] | None
    ) -> ImportedService:
        """One service version from its description (``api``) and the optional error and example
        files beside it, in our spec format; :class:`SpecError` when they are unusable."""
        ...


@runtime_checkable
class ActionSelector(Protocol):
    """What an importer offers when its format can select actions (``--actions``)."""

    def action_names(self, unit: Unit) -> list[str] | None:
        """The actions ``unit`` describes, read without loading it, so that a name
        ``--actions`` gives that no unit holds is an error, not an empty result;
        None when the unit cannot be read that far (loading it says why)."""
        ...


IMPORTERS: dict[str, Importer] = {}


class UnknownFormat(LookupError):
    """A format name no importer is registered under."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"unknown format {name!r}; the formats are {', '.join(names())}")


def register(importer: Importer) -> Importer:
    """Add (or replace) the importer under its name; returns it."""
    if not importer.name or not importer.name.isprintable() or " " in importer.name:
        raise ValueError(f"importer name {importer.name!r} is not usable on a command line")
    IMPORTERS[importer.name] = importer
    return importer


# Installed packages offer importers under this entry point group, so that
# `codegen generate --from NAME` finds them from the command line too.
ENTRY_POINT_GROUP = "codegen.importers"


def find(name: str) -> Importer | None:
    """The importer registered as ``name``, else one installed under that name
    in the ``codegen.importers`` entry point group (then registered); None if neither."""
    if name in IMPORTERS:
        return IMPORTERS[name]
    # Only looked up on a miss: scanning the installed packages costs tens of milliseconds.
    from importlib import metadata

    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP, name=name):
        loaded = entry.load()
        importer = loaded() if isinstance(loaded, type) else loaded
        if getattr(importer, "name", None) != name:
            raise ValueError(f"entry point {entry.value!r} ({ENTRY_POINT_GROUP}) is not an importer named {name!r}")
        return register(importer)
    return None


def get(name: str) -> Importer:
    """The importer ``name`` (see :func:`find`); :class:`UnknownFormat` if there is none."""
    importer = find(name)
    if importer is None:
        raise UnknownFormat(name)
    return importer


def names() -> list[str]:
    """Every format: registered ones and those installed as entry points."""
    from importlib import metadata

    installed = {entry.name for entry in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(set(IMPORTERS) | installed)


def fingerprint(importer: Importer) -> str:
    """What identifies an importer in cache keys: its name, class and ``version``.

    The generator's own code is in every key already; an importer from
    outside the package is not, so it says with a ``version`` attribute
    when its output changes.
    """
    kind = type(importer)
    return f"{importer.name} {kind.__module__}.{kind.__qualname__} {getattr(importer, 'version', '')}"


def load_documents(
    importer: Importer,
    root: Path,
    folders: Sequence[str] | None = None,
    actions: Sequence[str] | None = None,
    cache: Cache | None = None,
    overlays: Sequence[Overlay] = (),
) -> list[SpecDocument]:
    """Every checked document below ``root`` (only ``folders``, when given), the common table first,
    each service version patched by ``overlays``; :class:`SpecError` with every problem found."""
    from ..loader import load_unit as load_common_unit

    common, units = importer.read_units(root, folders)
    documents, problems = load_common_unit(common, cache)
    for unit in units:
        found, unit_problems = load_patched(importer, unit, actions, cache, overlays)
        documents += found
        problems += unit_problems
    if problems:
        raise SpecError(problems)
    return documents


def load_patched(
    importer: Importer,
    unit: Unit,
    actions: Sequence[str] | None,
    cache: Cache | None,
    overlays: Sequence[Overlay],
) -> tuple[list[SpecDocument], list[Diagnostic]]:
    """``importer.load_unit`` with ``overlays`` applied to what it gives (see ``codegen.overlay``)."""
    documents, problems = importer.load_unit(unit, actions, cache)
    if problems or not documents or not overlays:
        return documents, problems
    from ..overlay import apply

    # With --actions, a patch of an action left out is skipped; one the input does not describe is stale.
    described = importer.action_names(unit) if actions is not None and isinstance(importer, ActionSelector) else None
    applied = apply(documents, overlays, actions=actions, described=described, cache=cache)
    return applied.documents, applied.problems


def action_problems(importer: Importer, root: Path, units: Sequence[Unit], actions: Sequence[str]) -> list[Diagnostic]:
    """What is wrong with ``actions`` (``--actions``) for the input ``units`` below ``root``:
    one problem per name no unit holds, naming the closest names there are."""
    if not isinstance(importer, ActionSelector):
        message = f"the {importer.name} format cannot select actions (its input holds what is wanted); leave it out"
        return [Diagnostic("--actions", message=message)]
    if not actions:
        return unknown_actions(actions, (), "--actions")
    described = [importer.action_names(unit) for unit in units]
    if None in described:
        return []  # a unit that cannot be read: loading it reports that, not a name it may hold
    known = {name for names in described for name in names or ()}
    versions = f"the {len(units)} service version{'s' if len(units) != 1 else ''} here"
    return unknown_actions(actions, known, root.as_posix(), where=f"in {versions}")


def _builtins() -> None:
    from .specs import SpecsImporter
    from .tencentcloud import TencentCloudImporter

    register(SpecsImporter())
    register(TencentCloudImporter())


_builtins()
