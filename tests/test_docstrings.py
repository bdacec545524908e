import ast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegen.docstrings import clean, docstring

NASTY = [
    'a """ b',
    '"quoted"',
    "ends with backslash \\",
    '""""""',
    'a\\"',
    "{{ jinja }} {% block %}",
    "nul \x00 bell \x07 escape \x1b",
    "line\u2028separator\u2029paragraph",
    "rtl \u200f mark \u202e override",
    "tab\tand ''' single",
    "lone surrogate \ud800 here",
    "multi\nline\n\n  indented",
]


@pytest.mark.parametrize("text", NASTY)
def test_docstring_is_one_literal_with_the_same_text(text: str) -> None:
    literal = docstring(text, 4)
    module = ast.parse(f"def f():\n    {literal}\n")
    body = module.body[0].body  # type: ignore[attr-defined]
    assert len(body) == 1
    value = body[0].value.value
    expected = clean(text)
    lines = value.split("\n")
    assert (
        "\n".join([lines[0], *(line[4:] if line.startswith("    ") else line for line in lines[1:])]).strip()
        == expected
    )


def test_literal_is_plain_printable_text() -> None:
    literal = docstring("x\u2028y\x00z\u200f", 0)
    assert all(ch == "\n" or ch.isprintable() for ch in literal)


def test_empty_text_gives_no_docstring() -> None:
    assert docstring("   \n  ") == ""


@given(st.text())
def test_the_fast_path_escapes_exactly_like_the_character_by_character_one(text: str) -> None:
    from codegen.docstrings import _escape_char, escape

    slow = "".join(_escape_char(c) for c in text)
    # escape() also guards the quotes; compare before that step.
    assert escape(text.replace('"', "")) == slow.replace('"', "")
