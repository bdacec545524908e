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
    """A docstring literal for ``text`` (empty string when there is no text).

    The first line stays on the line of the opening quotes; a longer text ends
    with the closing quotes on a line of their own, as black would leave it.
    """
    body = escape(clean(text))
    if not body:
        return ""
    pad = " " * indent
    lines = body.split("\n")
    if len(lines) == 1:
        return f'"""{body}"""'
    rest = "\n".join(pad + line if line else "" for line in lines[1:])
    return f'"""{lines[0]}\n{rest}\n{pad}"""'
