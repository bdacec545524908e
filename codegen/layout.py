"""Black's layout for the few long statements the templates repeat.

Black formats every generated file anyway; it is much faster on code that
is already laid out the way it would lay it out (a long line makes it try
several splits). These helpers give the layout black 26 picks for an
assignment of a literal and for a call, so that black leaves those lines as
they are. Where a case is not covered they return the plain one-line form
and black still does the work, so the output never depends on them; the
tests compare them with black on many shapes.

Each returns the statement without the indentation of its first line (the
template writes that) and with the continuation lines indented.
"""

from __future__ import annotations

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
    one line of their own, else one per line with a trailing comma."""
    pad = " " * indent
    joined = ", ".join(parameters)
    line = f"{head}({joined}){tail}"
    if indent + len(line) <= LINE_LENGTH:
        return line
    if indent + 4 + len(joined) <= LINE_LENGTH:
        return f"{head}(\n{pad}    {joined}\n{pad}){tail}"
    return f"{head}(\n" + "".join(parameter_line(parameter, indent + 4) for parameter in parameters) + f"{pad}){tail}"


def parameter_line(parameter: str, indent: int) -> str:
    """One parameter of an exploded ``def`` with its comma and newline,
    indented: a ``name: annotation = default`` too long for its line gets its
    annotation in parentheses on a line of its own, as black does."""
    pad = " " * indent
    line = f"{pad}{parameter},\n"
    name, colon, rest = parameter.partition(": ")
    annotation, equals, default = rest.rpartition(" = ")
    if len(line) - 1 <= LINE_LENGTH or not (colon and equals) or indent + 4 + len(annotation) > LINE_LENGTH:
        return line
    return f"{pad}{name}: (\n{pad}    {annotation}\n{pad}) = {default},\n"


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
