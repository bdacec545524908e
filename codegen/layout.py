"""Black's layout for the statements the templates write.

Black formats the generated files; it is much faster on code that is
already laid out the way it would lay it out, and fastest not run at all.
These helpers give the layout black 26 picks for an assignment, a
collection literal, an import, a call, a condition, a ``def`` or ``class``
line and its parameters, whatever the length of the names in them. The
built-in templates of every file but ``models.py`` write every statement
that holds a name from the specs with them (and docstrings with
``docstrings.docstring``), so black would leave those files as they are
and they skip it.

A line the helpers leave longer than the limit is one with a name that
fits nowhere, of a shape black cannot shorten either (``_LONG_BY_DESIGN``).
Any other long line of code, from a case a helper has no layout for or a
line a template wrote whole, makes :func:`may_need_black` send its file
through black after all. tests/codegen/test_black_clean.py renders each laid-out
template with names of every length in every slot and checks that every
file let through is what black makes of it; tests/codegen/test_layout.py compares
each helper with black.

Each returns the statement without the indentation of its first line (the
template writes that) and with the continuation lines indented.
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Sequence

LINE_LENGTH = 88  # formatting.MODE's line length


def _fits(indent: int, text: str) -> bool:
    """Whether every line of ``text``, its first indented by ``indent``, fits (the others carry their own)."""
    first, *rest = text.split("\n")
    return indent + len(first) <= LINE_LENGTH and all(len(line) <= LINE_LENGTH for line in rest)


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
    """``target = [items]`` (or another bracket pair, for a dict or a tuple):
    one line, else one item per line with a trailing comma (black explodes a
    collection literal that does not fit, unlike a call's arguments, and the
    comma keeps it so, even after one item). A tuple of one item keeps the
    comma it needs on one line too."""
    pad, opening, closing = " " * indent, brackets[0], brackets[1]
    one_tuple = "," if brackets == "()" and len(items) == 1 else ""
    line = f"{target} = {opening}{', '.join(items)}{one_tuple}{closing}"
    if indent + len(line) <= LINE_LENGTH or not items:
        return line
    return f"{target} = {opening}\n" + "".join(f"{pad}    {item},\n" for item in items) + f"{pad}{closing}"


def from_import(module: str, names: Sequence[str], indent: int) -> str:
    """``from module import names``: one line, else the names in parentheses,
    one per line with a trailing comma (black always explodes an import)."""
    pad = " " * indent
    line = f"from {module} import {', '.join(names)}"
    if indent + len(line) <= LINE_LENGTH:
        return line
    return f"from {module} import (\n" + "".join(f"{pad}    {name},\n" for name in names) + f"{pad})"


def statement(head: str, arguments: Sequence[str], indent: int) -> str:
    """``head(arguments)`` (``return f(...)``, ``f(...)``): one line, else the
    arguments on one line of their own (a lone argument however long), else
    one per line with a trailing comma."""
    pad = " " * indent
    joined = ", ".join(arguments)
    line = f"{head}({joined})"
    if indent + len(line) <= LINE_LENGTH or not arguments:
        return line
    if indent + 4 + len(joined) <= LINE_LENGTH or len(arguments) == 1:
        return f"{head}(\n{pad}    {joined}\n{pad})"
    return f"{head}(\n" + "".join(_argument_line(argument, indent + 4) for argument in arguments) + f"{pad})"


_STRINGS_KEYWORD = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)=\(("[^"\\]*"(?:, "[^"\\]*")*),?\)')


def _argument_line(argument: str, indent: int) -> str:
    """One argument of an exploded call with its comma and newline, indented:
    a keyword given a tuple of strings (``name=("a", "b")``) too long for the
    line has the tuple exploded, one string per line, as black does."""
    pad = " " * indent
    line = f"{pad}{argument},\n"
    keyword = _STRINGS_KEYWORD.fullmatch(argument)
    if len(line) - 1 <= LINE_LENGTH or keyword is None:
        return line
    items = "".join(f"{pad}    {item},\n" for item in keyword[2].split(", "))
    return f"{pad}{keyword[1]}=(\n{items}{pad}),\n"


def call(target: str, callee: str, arguments: Sequence[str], indent: int) -> str:
    """``target = callee(arguments)``: on one line; else split at the call's
    brackets as :func:`statement` does; but when that leaves the first line too
    long, the call in parentheses on a line of its own (split the same way),
    provided every line then fits: black's second choice, taken only then."""
    pad = " " * indent
    line = f"{target} = {callee}({', '.join(arguments)})"
    if indent + len(line) <= LINE_LENGTH or not arguments:
        return line
    split = statement(f"{target} = {callee}", arguments, indent)
    if indent + len(f"{target} = {callee}(") <= LINE_LENGTH:
        return split
    parenthesized = f"{target} = (\n{pad}    {statement(callee, arguments, indent + 4)}\n{pad})"
    return parenthesized if _fits(indent, parenthesized) else split


def signature(head: str, parameters: Sequence[str], tail: str, indent: int) -> str:
    """``head(parameters)tail`` for a ``def`` (or a ``class`` and its bases):
    one line, else the parameters on one line of their own, else one per line
    with a trailing comma; and a closing ``) -> annotation:`` still too long
    laid out by :func:`closing`."""
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
    ``name: annotation = default`` gets its annotation in parentheses (see
    :func:`wrapped`), a ``name: generic[inside]`` its last subscript split."""
    pad = " " * indent
    line = f"{pad}{parameter},\n"
    name, colon, rest = parameter.partition(": ")
    annotation, equals, default = rest.rpartition(" = ")
    if len(line) - 1 <= LINE_LENGTH or not colon:
        return line
    if not equals:
        split = _subscript_split(f"{name}: ", rest, ",", indent)
        return line if split is None else f"{pad}{split}\n"
    return f"{pad}{wrapped(f'{name}: ', _operands(annotation), f' = {default},', indent)}\n"


def wrapped(head: str, operands: Sequence[str], tail: str, indent: int) -> str:
    """``head`` and an expression black may put in parentheses (a condition,
    an annotation with a default) and ``tail``: one line; else the expression
    in parentheses on a line of its own; else one operand per line, each
    after the first led by its operator (``["name", '== "Id"']``,
    ``["list[int]", "| None"]``) and split at its subscript while too long.

    Black leaves a lone operand that fits nowhere on one line as it is."""
    pad = " " * indent
    expression = " ".join(operands)
    line = f"{head}{expression}{tail}"
    if indent + len(line) <= LINE_LENGTH or (len(operands) == 1 and indent + 4 + len(expression) > LINE_LENGTH):
        return line
    if indent + 4 + len(expression) <= LINE_LENGTH:
        return f"{head}(\n{pad}    {expression}\n{pad}){tail}"
    body = ""
    for operand in operands:
        if indent + 4 + len(operand) > LINE_LENGTH:
            operand = _subscript_split("", operand, "", indent + 4) or operand
        body += f"{pad}    {operand}\n"
    return f"{head}(\n{body}{pad}){tail}"


def _operands(annotation: str) -> list[str]:
    """``A | B`` as ``["A", "| B"]``: the union's members, each after the first led by its bar."""
    first, *rest = annotation.split(" | ")
    return [first, *(f"| {member}" for member in rest)]


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
    arguments one per line with a trailing comma (so black keeps them so).

    When the first line does not fit, black puts the call in parentheses if
    that line then fits; else it splits the annotation at its subscript, or,
    when that leaves the first line too long, puts the annotation in
    parentheses, provided every line of it then fits (its second choice)."""
    joined = ", ".join(types)
    annotation = f"{generic}[{joined}]"
    body = "".join(f"    {argument},\n" for argument in arguments)
    if len(f"{target}: {annotation} = {callee}(") <= LINE_LENGTH:
        return f"{target}: {annotation} = {callee}(\n{body})"
    if len(f"{target}: {annotation} = (") <= LINE_LENGTH:
        inner = "".join(f"    {line}\n" for line in f"{callee}(\n{body})".split("\n"))
        return f"{target}: {annotation} = (\n{inner})"
    split = f"{target}: {_subscript_items(generic, types, 0)} = {callee}(\n{body})"
    if len(f"{target}: {generic}[") <= LINE_LENGTH:
        return split
    inside = annotation if 4 + len(annotation) <= LINE_LENGTH else _subscript_items(generic, types, 4)
    head = f"{target}: (\n    {inside}\n) = {callee}("
    return f"{head}\n{body})" if _fits(0, head) else split


def _subscript_items(generic: str, types: Sequence[str], indent: int) -> str:
    """``generic[types]`` split after its bracket: the types on one line, else one per line with a trailing comma."""
    pad, joined = " " * indent, ", ".join(types)
    if indent + 4 + len(joined) <= LINE_LENGTH:
        return f"{generic}[\n{pad}    {joined}\n{pad}]"
    return f"{generic}[\n" + "".join(f"{pad}    {name},\n" for name in types) + f"{pad}]"


def _is_name(annotation: str) -> bool:
    """A dotted name, no subscript, union or call: black cannot split it."""
    return bool(annotation) and not any(c in annotation for c in "[](), |")


# The long lines the rules above make on purpose, when a name fits nowhere,
# each as its shape after the indentation. A line of one of these shapes
# holds nothing black could split or put in parentheses (but a name longer
# than the line), so black leaves it as it is where these rules write it
# (not, say, alone in parentheses black would drop: no rule writes that).
# tests/codegen/test_black_clean.py renders every laid-out template with names of
# every length in every slot and checks that black agrees with every file
# these let through.
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = rf"{_NAME}(?:\.{_NAME})*"
_STRING = r'"[A-Za-z0-9_.-]*"'  # a name, code or endpoint as a literal: nothing to escape
_ATOM = rf"(?:{_DOTTED}|{_STRING})"
_LONG_BY_DESIGN = re.compile(
    "|".join(
        [
            # An item of an exploded bracket (listing, from_import, statement,
            # signature, generic_call), or what parentheses hold (wrapped, closing).
            rf"{_ATOM},?",
            # An entry of an exploded dict, a keyword argument, a parameter
            # without a default (listing, statement, parameter_line): black's
            # stable style puts none of their values in parentheses.
            rf"{_STRING}: {_ATOM},?",
            rf"{_NAME}={_ATOM},",
            rf"{_NAME}: {_ATOM},",
            # The second operand of a comparison split over two lines (wrapped).
            rf"== {_ATOM}",
            # The first line of a split bracket: nothing before the bracket to
            # split (signature, call, wrapped, parameter_line, generic_call).
            rf"(?:(?:async )?def |class ){_NAME}\(",
            rf"{_NAME}(?:: | = )(?:{_DOTTED})?[(\[]",
        ]
    )
)
# An assignment or return of one atom (assign, wrapped): black puts the atom
# in parentheses when it fits a line of its own, and only then.
_ATOM_STATEMENT = re.compile(rf"(?:{_NAME} = |return )({_ATOM})")


def _long_by_design(line: str) -> bool:
    """Whether ``line`` (longer than the limit) has a shape a rule above leaves long, as black does."""
    code = line.lstrip(" ")
    if _LONG_BY_DESIGN.fullmatch(code):
        return True
    statement = _ATOM_STATEMENT.fullmatch(code)
    return statement is not None and len(line) - len(code) + 4 + len(statement[1]) > LINE_LENGTH


_LONG_LINE = re.compile(rf"^.{{{LINE_LENGTH + 1},}}$", re.MULTILINE)


def may_need_black(source: str) -> bool:
    """Whether a file laid out with these helpers goes through black after all:
    it has a line of code longer than black allows that is not one of the
    shapes the helpers leave long on purpose (``_LONG_BY_DESIGN``).

    Any other long line means a shape no helper covers (a line a template
    wrote whole, a case a helper has no layout for), so black decides.
    Docstring and comment lines are skipped: black leaves them however long.
    Every triple quote in the generated files opens or closes a docstring,
    as spec text never holds three in a row (see ``docstrings.escape``), so
    a line after an odd number of them is inside one.
    """
    quotes = [match.start() for match in re.finditer('"""', source)]
    for match in _LONG_LINE.finditer(source):
        line = match[0]
        if '"""' in line or bisect.bisect(quotes, match.start()) % 2 or line.lstrip(" ").startswith("#"):
            continue
        if not _long_by_design(line):
            return True
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
