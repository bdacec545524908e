"""A user's templates (``--templates``) failing, reported as the user's problems.

Three failures are theirs: a template that does not parse, one that fails
while rendering (an undefined name or attribute, a missing include, an
error in an expression), and rendered output that is not Python. Each
becomes one :class:`Diagnostic` naming the user's file and line, raised in
a :class:`SpecError`, which a worker process hands back as data: exit code
2, nothing written. The same failures with none of the user's templates
involved are the generator's own bugs and are raised as they are (exit 3).

For output that is not Python, the line of the template that wrote the
offending text is named when Jinja's own records make it certain: the
template is rendered again, chunk by chunk, and the chunk holding the error
is traced to the expression or statement its compiled code records, or,
for literal text, to the one piece of template text it equals.
"""

from __future__ import annotations

import ast
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import GeneratorType
from typing import Any

import jinja2

from .diagnostics import Diagnostic, SpecError
from .package_files import template_dir
from .reading import read_text_bounded

# Black formats for this version; code it would refuse is refused here too.
_PYTHON = (3, 10)


@contextmanager
def users_errors(folder: Path | None) -> Iterator[None]:
    """Turn an exception raised while one of the templates of ``folder`` was
    compiled or running into a problem of the user's; others pass unchanged."""
    try:
        yield
    except SpecError:
        raise
    except Exception as exc:
        problem = _failure(exc, folder) if folder is not None else None
        if problem is None:
            raise
        raise SpecError([problem]) from None


def inside(filename: str | Path | None, folder: Path) -> bool:
    """Whether the file ``filename`` is in ``folder``."""
    return filename is not None and Path(filename).resolve().is_relative_to(folder.resolve())


def _failure(exc: Exception, folder: Path) -> Diagnostic | None:
    if isinstance(exc, jinja2.TemplateSyntaxError) and inside(exc.filename, folder):
        assert exc.filename is not None
        return Diagnostic(exc.filename, exc.lineno, message=f"template syntax error: {exc.message}")
    builtin = template_dir().resolve()
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if inside(f.filename, folder) or Path(f.filename).resolve().is_relative_to(builtin)
    ]
    mine = [index for index, frame in enumerate(frames) if inside(frame.filename, folder)]
    if not mine:
        return None
    frame = frames[mine[-1]]
    message = _describe(exc, folder)
    # The user's template called into a built-in one (a macro) that failed.
    deeper = [f for f in frames[mine[-1] + 1 :] if f.filename.endswith((".jinja", ".jinja2"))]
    if deeper:
        inner = Path(deeper[-1].filename).resolve().relative_to(builtin).as_posix()
        message += f" (in the built-in {inner}, line {deeper[-1].lineno})"
    return Diagnostic(frame.filename, frame.lineno or 0, message=message)


def _describe(exc: Exception, folder: Path) -> str:
    if isinstance(exc, jinja2.UndefinedError):
        return f"undefined: {exc.message}; docs/templates.md lists what each template is given"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"no template {exc.name!r} in {folder.as_posix()} or among the built-in ones"
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}"


def python_problem(path: str, text: str) -> SyntaxError | None:
    """What keeps the rendered ``text`` of ``path`` from being Python, if anything."""
    try:
        ast.parse(text, path, feature_version=_PYTHON)
    except SyntaxError as exc:
        return exc
    return None


def not_python(path: str, error: SyntaxError, origin: tuple[str, int] | None, mine: list[Path]) -> SpecError:
    """The problem of rendered output that is not Python: its place, and where it came from."""
    if origin is not None:
        where = f"written by {origin[0]}:{origin[1]}"
    else:
        where = "made with your " + ", ".join(p.as_posix() for p in mine)
    message = f"not valid Python after rendering ({error.msg}); {where}, fix it there"
    return SpecError([Diagnostic(path, error.lineno or 0, error.offset or 0, message)])


def line_origin(
    env: jinja2.Environment, name: str, context: dict[str, Any], rendered: str, line: int, column: int
) -> tuple[str, int] | None:
    """The template file and line that wrote the character at ``line``:``column``
    (from 1) of ``rendered``, the output of template ``name``, or None when that
    is not certain. Output of an include or a macro is traced to the line that
    includes or calls it.
    """
    template = env.get_template(name)
    if template.filename is None:
        return None
    lines = rendered.split("\n")
    target = sum(len(text) + 1 for text in lines[: line - 1]) + max(column - 1, 0)
    target = min(target, len(rendered) - 1)
    generator = template.root_render_func(template.new_context(context))
    assert isinstance(generator, GeneratorType)  # a template's compiled code is a generator function
    written = 0
    try:
        for chunk in generator:
            if written + len(chunk) > target:
                assert generator.gi_frame is not None  # suspended at the yield of this chunk
                source = read_text_bounded(template.filename)
                before = chunk[: target - written]
                found = _chunk_line(env, template, source, generator.gi_frame.f_lineno, chunk, before)
                return (template.filename, found) if found is not None else None
            written += len(chunk)
    finally:
        generator.close()
    return None


def _chunk_line(
    env: jinja2.Environment, template: jinja2.Template, text: str, code_line: int, chunk: str, before: str
) -> int | None:
    """The template line of the character ``len(before)`` of a chunk yielded at ``code_line``."""
    recorded = {code: line for line, code in template.debug_info}
    if code_line in recorded:
        # An expression, an include or a call: Jinja records its line exactly.
        return recorded[code_line]
    # Literal text: Jinja records no line for it; it is the one piece of
    # template text it equals, after the last node recorded before it.
    after = template.get_corresponding_lineno(code_line)
    pieces = [
        lineno
        for lineno, kind, value in env.lex(text, template.name, template.filename)
        if kind == "data" and value == chunk and lineno >= after
    ]
    if len(pieces) != 1:
        return None
    return pieces[0] + before.count("\n")


def unknown_names(path: Path, given: frozenset[str]) -> list[Diagnostic]:
    """Names the template at ``path`` reads but is not ``given``, one problem each at its
    first use: for the class template, whose renderer would leave them empty without a word."""
    from jinja2 import meta, nodes

    environment = jinja2.Environment()
    tree = environment.parse(read_text_bounded(path), path.name, path.as_posix())
    unknown = meta.find_undeclared_variables(tree) - given - set(environment.globals)
    first: dict[str, int] = {}
    for node in tree.find_all(nodes.Name):
        if node.name in unknown:
            first.setdefault(node.name, node.lineno)
    listing = ", ".join(sorted(given))
    return [
        Diagnostic(
            path.as_posix(), line, message=f"undefined: {name!r} is not given to this template; it gets {listing}"
        )
        for name, line in sorted(first.items(), key=lambda item: item[1])
    ]
