"""Turn documentation text from a spec into a safe Python string literal.

Spec text is data: it may hold quotes, backslashes, template syntax, control
characters or line separators. Everything that could end the literal early,
change its meaning or confuse a tool reading the file is escaped here, in the
one place every template goes through.
"""

from __future__ import annotations

import unicodedata

# Characters written as escapes: controls, format characters (right-to-left
# marks, zero-width spaces), line and paragraph separators and lone surrogates.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def clean(text: str) -> str:
    """Normalise line ends and trailing spaces; drop blank edges."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n").strip()


def _escape_char(char: str) -> str:
    if char == "\\":
        return "\\\\"
    if char == "\n":
        return char
    if char == "\t":
        return "\\t"
    if unicodedata.category(char) in _ESCAPED_CATEGORIES:
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    return char


def _escape_line(line: str) -> str:
    # Fast path: printable text has no character of the escaped categories
    # (str.isprintable is False for every Other and Separator character but
    # the ASCII space), so only a backslash would need escaping.
    if line.isprintable() and "\\" not in line:
        return line
    return "".join(_escape_char(c) for c in line)


def escape(text: str) -> str:
    """Escape ``text`` for the inside of a triple-double-quoted literal."""
    body = "\n".join(_escape_line(line) for line in text.split("\n"))
    # No run of three quotes may close the literal, and no quote may touch
    # the delimiters (four quotes in a row would end it one early).
    trailing = body.endswith('"')
    if trailing:
        body = body[:-1]
    body = body.replace('"""', '""\\"')
    if body.startswith('"'):
        body = "\\" + body
    return body + ('\\"' if trailing else "")


def docstring(text: str, indent: int = 0) -> str:
    """A docstring literal for ``text`` (empty string when there is no text),
    for a statement indented by ``indent`` spaces, laid out as black leaves it.

    The first line stays on the line of the opening quotes; a longer text ends
    with the closing quotes on a line of their own. As black (and PEP 257)
    does, the lines after the first lose the indentation they all share, and
    a one-line text ending in a quote gets a space before the closing quotes.
    So black leaves every literal made here unchanged (a test checks), and a
    file whose template lays out the rest like black needs no black pass.
    """
    body = escape(clean(text))
    if not body:
        return ""
    first, *rest = body.split("\n")
    if not rest:
        return f'"""{body} """' if body.endswith('"') else f'"""{body}"""'
    # str.lstrip, as black uses: Unicode spaces (a no-break space, an
    # ideographic space) count as indentation too.
    shared = min((len(line) - len(line.lstrip()) for line in rest if line.strip()), default=0)
    pad = " " * indent
    lines = "\n".join(pad + line[shared:] if line.strip() else "" for line in rest)
    return f'"""{first}\n{lines}\n{pad}"""'
