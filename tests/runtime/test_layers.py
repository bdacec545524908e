"""The runtime's modules form layers: every import points down (or sideways
without a cycle), only ``envelope`` loads the generated error modules, and no
module grows past the size a reader takes in.

Read from the sources (ast), every relative import counts: at the top, inside
functions (lazy), and under ``TYPE_CHECKING`` (listed apart: an upward one is
tolerated for annotations only when declared in ``ANNOTATION_ONLY``).
docs/architecture.md draws the same layers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

RUNTIME = Path(__file__).resolve().parents[2] / "templates" / "runtime"

# Module (or package) -> layer. A new runtime module gets a line here; a
# module of a package (``credentials.flows``) takes its package's layer unless
# it has a line of its own.
LAYERS: dict[str, int] = {
    # 0: leaves (standard library and msgspec)
    "redaction": 0,
    "exceptions": 0,
    "signing": 0,
    "retry": 0,
    "wire": 0,
    "meta": 0,
    "interceptors": 0,
    "deadlines": 0,
    "failover": 0,
    "throttling": 0,
    "transport": 0,
    "http11": 0,
    "routes": 0,
    "aio_link": 0,
    # 1: decoding
    "model": 1,
    "envelope": 1,
    "tolerant": 1,
    "tolerant_report": 1,
    "validation": 1,
    # 2: credentials
    "credentials": 2,
    # 3: bodies and event streams
    "multipart": 3,
    "octet": 3,
    "events": 3,
    "streaming": 3,
    # 4: the I/O-free call plan
    "calls": 4,
    "attempt": 4,
    "steps": 4,
    "plan": 4,
    "telemetry": 4,
    # 5: wiring, the generic client and the drivers
    "wiring": 5,
    "sync_http": 5,
    "aio_http": 5,
    "httpx_http": 5,
    "generic": 5,
    "client": 5,
    "aio": 5,
    # 6: tools
    "paging": 6,
    "waiting": 6,
    "testing": 6,
    "fake_checks": 6,
    "fake_catalog": 6,
    "fake_answers": 6,
    "fake_http": 6,
    "fake_command": 6,
    "fake_server": 6,
}
# Generated modules beside the runtime (common/errors.py, and the service's
# errors.py reached through importlib): only these runtime modules load them.
GENERATED = {"errors"}
LOADS_GENERATED = {"envelope"}
# Upward imports made for annotations only, under TYPE_CHECKING.
ANNOTATION_ONLY: set[tuple[str, str]] = {
    ("exceptions", "model"),  # Deviation, in an annotation
    ("model", "multipart"),  # BinaryReader, in an annotation
}
# Violations allowed for now: none. Each entry must still be found: once
# fixed, the test fails until the entry is removed here.
PENDING: set[tuple[str, str]] = set()
MAX_LINES = 450
LONGER_PENDING: set[str] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(RUNTIME).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def runtime_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(RUNTIME.rglob("*.py"))}


def layer_of(module: str) -> int:
    name = module
    while name:
        if name in LAYERS:
            return LAYERS[name]
        name = name.rpartition(".")[0]
    raise AssertionError(f"runtime module {module!r} has no layer: add it to LAYERS in {__file__}")


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def relative_imports(path: Path, module: str, known: set[str]) -> Iterator[tuple[str, bool]]:
    """(imported runtime module, under TYPE_CHECKING) for every relative import."""
    is_package = path.name == "__init__.py"
    package = module.split(".") if is_package else module.split(".")[:-1]

    def visit(node: ast.AST, annotations_only: bool) -> Iterator[tuple[str, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for inner in child.body:
                    yield from visit_one(inner, True)
                for inner in child.orelse:
                    yield from visit_one(inner, annotations_only)
            else:
                yield from visit_one(child, annotations_only)

    def visit_one(node: ast.AST, annotations_only: bool) -> Iterator[tuple[str, bool]]:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            if node.module is None:
                for alias in node.names:
                    yield ".".join([*base, alias.name]), annotations_only
            else:
                # ``from .pkg import mod`` imports a module of the package too.
                subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known]
                yield from ((sub, annotations_only) for sub in subs)
                yield target, annotations_only
        yield from visit(node, annotations_only)

    yield from visit(ast.parse(path.read_text(), str(path)), False)


def import_graph() -> tuple[dict[str, set[str]], set[tuple[str, str]]]:
    """Imports that run (top level or lazily), and those under TYPE_CHECKING."""
    modules = runtime_modules()
    known = set(modules)
    runs: dict[str, set[str]] = {m: set() for m in modules}
    annotations: set[tuple[str, str]] = set()
    for module, path in modules.items():
        for target, annotations_only in relative_imports(path, module, known):
            if target == module:
                continue
            if annotations_only:
                annotations.add((module, target))
            else:
                runs[module].add(target)
    return runs, annotations


def cycles(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    """Edges inside a strongly connected component (Tarjan): those that close a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            components.append(component)

    for node in graph:
        if node not in index:
            connect(node)
    inside = {m: i for i, c in enumerate(components) if len(c) > 1 for m in c}
    return {(a, b) for a, targets in graph.items() for b in targets if a in inside and inside.get(b) == inside[a]}


def violations(ignored: set[tuple[str, str]] = set()) -> set[tuple[str, str]]:  # noqa: B006
    """Bad imports; cycles are looked for without the ``ignored`` imports."""
    runs, annotations = import_graph()
    found: set[tuple[str, str]] = set()
    for module, targets in runs.items():
        for target in targets:
            if target in GENERATED or target.rpartition(".")[2] in GENERATED:
                if module not in LOADS_GENERATED:
                    found.add((module, target))
            elif layer_of(target) > layer_of(module):
                found.add((module, target))
    found |= cycles({m: {t for t in ts if (m, t) not in ignored} for m, ts in runs.items()})
    for module, target in annotations:
        if target not in GENERATED and layer_of(target) > layer_of(module):
            if (module, target) not in ANNOTATION_ONLY:
                found.add((module, target))
    return found


def test_every_runtime_module_has_a_layer() -> None:
    for module in runtime_modules():
        layer_of(module)


def test_imports_point_down_without_a_cycle() -> None:
    # A cycle that a pending import closes is that import's problem.
    new = sorted(violations(PENDING) - PENDING)
    assert not new, "upward imports, cycles or generated errors outside envelope: " + ", ".join(
        f"{a} -> {b}" for a, b in new
    )
    fixed = sorted(PENDING - violations())
    assert not fixed, "fixed, remove from PENDING: " + ", ".join(f"{a} -> {b}" for a, b in fixed)


def test_the_drivers_keep_to_their_side() -> None:
    """The sync driver never imports the async one; aio takes nothing from client."""
    runs, annotations = import_graph()
    assert "aio" not in runs["client"] and ("client", "aio") not in annotations
    assert "client" not in runs["aio"] and ("aio", "client") not in annotations


@pytest.mark.parametrize(
    "source, expected",
    [
        ({"a": {"b"}, "b": {"a"}}, {("a", "b"), ("b", "a")}),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, set()),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, {("a", "b"), ("b", "c"), ("c", "a")}),
    ],
)
def test_the_cycle_finder(source: dict[str, set[str]], expected: set[tuple[str, str]]) -> None:
    assert cycles(source) == expected


def test_the_checker_sees_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import a\n"
        "from .b import thing\n"
        "if TYPE_CHECKING:\n"
        "    from .c import Other\n"
        "def f():\n"
        "    from . import d\n"
        "    from .pkg import e\n"
    )
    assert sorted(relative_imports(path, "m", {"pkg.e"})) == [
        ("a", False),
        ("b", False),
        ("c", True),
        ("d", False),
        ("pkg", False),
        ("pkg.e", False),
    ]


def test_no_runtime_module_is_too_long_to_read() -> None:
    longer = {p.name: n for p in RUNTIME.rglob("*.py") if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert set(longer) <= LONGER_PENDING, longer


def test_every_runtime_module_says_what_it_holds() -> None:
    for module, path in runtime_modules().items():
        assert ast.get_docstring(ast.parse(path.read_text())), f"{module} has no docstring"
