"""Black's layout for the few long statements the templates repeat.

Black formats the generated files; it is much faster on code that is
already laid out the way it would lay it out (a long line makes it try
several splits), and fastest not run at all. These helpers give the layout
black 26 picks for an assignment, a collection literal, a call, a ``def``
and its parameters, so that black leaves those lines as they are; the tests
compare them with black on many shapes. The built-in templates of every
file but ``models.py`` lay out each long line with them (and docstrings
with ``docstrings.docstring``), so those files skip black. Where a case is
not covered a helper returns the plain one-line form, and
:func:`may_need_black` sends the file through black after all: the output
never depends on the helpers being complete.

Each returns the statement without the indentation of its first line (the
template writes that) and with the continuation lines indented.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

LINE_LENGTH = 88  # formatting.MODE's line length


def assign(target: str, value: str, indent: int) -> str:
    """``target = value`` where ``value`` is one atom (a string literal)."""
    pad = " " * indent
    line = f"{target} = {value}"
    if indent + len(line) <= LINE_LENGTH:
        return line
    if indent + 4 + len(value) <= LINE_LENGTH:
        return f"{target} = (\n{pad}    {value}\n{pad})"
    return line  # black leaves an atom that fits nowhere on one line


def listing(target: str, items: Sequence[str], indent: int, brackets: str = "[]") -> str:
    """``target = [items]`` (or another bracket pair, for a dict or a set):
    one line, else one item per line with a trailing comma (black explodes a
    collection literal that does not fit, unlike a call's arguments)."""
    pad, opening, closing = " " * indent, brackets[0], brackets[1]
    line = f"{target} = {opening}{', '.join(items)}{closing}"
    if indent + len(line) <= LINE_LENGTH or not items:
        return line
    return f"{target} = {opening}\n" + "".join(f"{pad}    {item},\n" for item in items) + f"{pad}{closing}"


def statement(head: str, arguments: Sequence[str], indent: int) -> str:
    """``head(arguments)`` (``return f(...)``, ``f(...)``): one line, else the
    arguments on one line of their own, else one per line with a trailing comma."""
    return signature(head, arguments, "", indent)


def call(target: str, callee: str, arguments: Sequence[str], indent: int) -> str:
    """``target = callee(arguments)``: on one line; else split after ``callee(``
    (arguments on one line, else one per line with a trailing comma); else
    the call in parentheses on a line of its own."""
    pad = " " * indent
    joined = ", ".join(arguments)
    line = f"{target} = {callee}({joined})"
    if indent + len(line) <= LINE_LENGTH or not arguments:
        return line
    if indent + len(f"{target} = {callee}(") <= LINE_LENGTH:
        if indent + 4 + len(joined) <= LINE_LENGTH or len(arguments) == 1:
            return f"{target} = {callee}(\n{pad}    {joined}\n{pad})"
        return f"{target} = {callee}(\n" + "".join(f"{pad}    {argument},\n" for argument in arguments) + f"{pad})"
    if indent + 4 + len(f"{callee}({joined})") <= LINE_LENGTH:
        return f"{target} = (\n{pad}    {callee}({joined})\n{pad})"
    return line


def signature(head: str, parameters: Sequence[str], tail: str, indent: int) -> str:
    """``head(parameters)tail`` for a ``def``: one line, else the parameters on
    one line of their own, else one per line with a trailing comma; and a
    closing ``) -> annotation:`` still too long laid out by :func:`closing`."""
    pad = " " * indent
    joined = ", ".join(parameters)
    line = f"{head}({joined}){tail}"
    if indent + len(line.partition("\n")[0]) <= LINE_LENGTH:  # a tail may hold the body
        return line
    end = closing(tail, indent)
    if indent + 4 + len(joined) <= LINE_LENGTH:
        return f"{head}(\n{pad}    {joined}\n{pad}{end}"
    return f"{head}(\n" + "".join(parameter_line(parameter, indent + 4) for parameter in parameters) + f"{pad}{end}"


def closing(tail: str, indent: int) -> str:
    """The line ``)tail`` that ends a split ``def``, ``tail`` being its
    return annotation and colon (``" -> int: ..."``): an annotation too long
    for that line is split at its last subscript, as black splits any other
    line, or put in parentheses when it is one name."""
    first, newline, rest = tail.partition("\n")
    before, _, annotated = first.partition(" -> ")
    annotation, colon, after = annotated.rpartition(":")
    if indent + 1 + len(first) <= LINE_LENGTH or before or not colon:
        return f"){tail}"
    if _is_name(annotation):  # black puts it in parentheses
        pad = " " * indent
        return f") -> (\n{pad}    {annotation}\n{pad}){colon}{after}{newline}{rest}"
    split = _subscript_split(") -> ", annotation, colon + after, indent)
    return f"){tail}" if split is None else split + newline + rest


def parameter_line(parameter: str, indent: int) -> str:
    """One parameter of an exploded ``def`` with its comma and newline,
    indented, as black lays it out when it is too long for its line: a
    ``name: annotation = default`` gets its annotation in parentheses on a
    line of its own, a ``name: generic[inside]`` its last subscript split."""
    pad = " " * indent
    line = f"{pad}{parameter},\n"
    name, colon, rest = parameter.partition(": ")
    annotation, equals, default = rest.rpartition(" = ")
    if len(line) - 1 <= LINE_LENGTH or not colon:
        return line
    if not equals:
        split = _subscript_split(f"{name}: ", rest, ",", indent)
        return line if split is None else f"{pad}{split}\n"
    if indent + 4 + len(annotation) > LINE_LENGTH:
        return line
    return f"{pad}{name}: (\n{pad}    {annotation}\n{pad}) = {default},\n"


def _subscript_split(head: str, annotation: str, suffix: str, indent: int) -> str | None:
    """``head annotation suffix`` (a line at ``indent`` too long as one) with
    the annotation's last subscript split as black splits it: ``head generic[``,
    the inside on a line of its own (split the same way while it is one
    subscript that does not fit), ``]suffix``. None for an annotation that
    does not end in a lone subscript, or whose inside is several types that
    do not fit one line (black would explode them): the caller keeps its line."""
    if not annotation.endswith("]"):
        return None
    depth, several = 0, False
    for opening in range(len(annotation) - 1, -1, -1):
        depth += annotation[opening] == "]"
        depth -= annotation[opening] == "["
        several |= annotation[opening] == "," and depth == 1
        if depth == 0:
            break
    generic, inside = annotation[:opening], annotation[opening + 1 : -1]
    if depth or not _is_name(generic):
        return None
    # One name that does not fit either: black leaves it on its line, however long.
    body = inside if indent + 4 + len(inside) <= LINE_LENGTH or _is_name(inside) else None
    if body is None and inside.endswith("]") and not several:
        body = _subscript_split("", inside, "", indent + 4)
    if body is None:
        return None
    pad = " " * indent
    return f"{head}{generic}[\n{pad}    {body}\n{pad}]{suffix}"


def generic_call(target: str, generic: str, types: Sequence[str], callee: str, arguments: Sequence[str]) -> str:
    """``target: generic[types] = callee(arguments)`` at the top level, the
    arguments one per line with a trailing comma (so black keeps them so)."""
    joined = ", ".join(types)
    annotated = f"{target}: {generic}[{joined}]"

    def body(pad: str) -> str:
        return "".join(f"{pad}    {argument},\n" for argument in arguments)

    if len(f"{annotated} = {callee}(") <= LINE_LENGTH:
        return f"{annotated} = {callee}(\n{body('')})"
    if len(f"{annotated} = (") <= LINE_LENGTH:
        return f"{annotated} = (\n    {callee}(\n{body('    ')}    )\n)"
    if 4 + len(joined) <= LINE_LENGTH:
        return f"{target}: {generic}[\n    {joined}\n] = {callee}(\n{body('')})"
    split = "".join(f"    {name},\n" for name in types)
    return f"{target}: {generic}[\n{split}] = {callee}(\n{body('')})"


def _is_name(annotation: str) -> bool:
    """A dotted name, no subscript, union or call: black cannot split it."""
    return bool(annotation) and not any(c in annotation for c in "[](), |")


_CLOSED_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\}")


def may_need_black(source: str) -> bool:
    """Whether a file laid out with these helpers has a line they may not
    have covered, so that it goes through black after all.

    Where a helper has no layout for a shape it keeps the line whole, so an
    uncovered shape shows as a line of code longer than black allows that
    still holds a bracket pair black could split. Docstring lines are skipped
    (black leaves them however long): every triple quote in the generated
    files opens or closes one, as spec text never holds three in a row.
    """
    lines = source.split("\n")
    if max(map(len, lines)) <= LINE_LENGTH:
        return False
    inside = False
    for line in lines:
        quotes = line.count('"""')
        if not inside and not quotes and len(line) > LINE_LENGTH and _CLOSED_BRACKETS.search(line):
            return True
        inside ^= quotes % 2 == 1
    return False


def class_pieces(source: str, pieces: int) -> list[str]:
    """``source`` cut before top-level ``class`` statements into at most ``pieces``
    parts of similar size, to be formatted in parallel and joined with :func:`join_pieces`.

    Black lays out each top-level class on its own and puts two blank lines
    between them, so the joined result is what black makes of the whole.
    The classes are found by parsing (text that only looks like a class
    statement, in a docstring, is not one), and a cut is made only where a
    blank line precedes the class, so no comment is parted from it.
    """
    lines = source.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    starts = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
            # The check of the text keeps a line count that differs from the
            # parser's (a stray carriage return) from ever cutting a statement.
            if 0 < first < len(lines) and not lines[first - 1].strip() and lines[first].startswith(("class ", "@")):
                starts.append(offsets[first])
    target = len(source) / max(pieces, 1)
    cuts = [0]
    for start in starts:
        if start - cuts[-1] >= target and len(cuts) < pieces:
            cuts.append(start)
    cuts.append(len(source))
    return [source[begin:end] for begin, end in zip(cuts, cuts[1:], strict=False)]


def join_pieces(formatted: Sequence[str]) -> str:
    """The formatted parts of :func:`class_pieces` as one file: two blank lines between them."""
    return "\n\n".join(formatted)
