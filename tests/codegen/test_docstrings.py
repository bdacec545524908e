import ast
import inspect

import pytest
from hypothesis import given, settings
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
    "first\n    all indented\n      more\n    back",
    "no-break\n\u00a0\u3000spaces lead",
    'ends with a quote"',
]


@pytest.mark.parametrize("text", NASTY)
def test_docstring_is_one_literal_with_the_same_text(text: str) -> None:
    literal = docstring(text, 4)
    module = ast.parse(f"def f():\n    {literal}\n")
    body = module.body[0].body  # type: ignore[attr-defined]
    assert len(body) == 1
    value = body[0].value.value
    # The text as help() shows it (PEP 257), but for the space a final quote gets.
    assert inspect.cleandoc(value).removesuffix('" ') == inspect.cleandoc(clean(text)).removesuffix('"')


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


# Text that exercises what black changes in docstrings: quotes at either end,
# backslashes, indentation (ASCII and Unicode spaces), blank lines, long lines.
_DOC_TEXT = st.lists(
    st.sampled_from(['"', "\\", " ", "  ", "\u00a0", "\u3000", "\t", "\n", "\n\n", "'", "x", "word ", "é", "\x00"])
    | st.text(max_size=12),
    max_size=14,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_DOC_TEXT, where=st.sampled_from(["module", "class", "method", "attribute"]))
def test_black_leaves_every_docstring_unchanged(text: str, where: str) -> None:
    """Files whose templates lay out the rest as black does skip the black pass
    (errors.py): that is only right if black would not change a docstring."""
    from codegen.formatting import format_python

    indent = {"module": 0, "class": 4, "method": 8, "attribute": 4}[where]
    literal = docstring(text, indent)
    if not literal:
        return
    source = {
        "module": f"{literal}\n",
        "class": f"class C:\n    {literal}\n",
        "method": f"class C:\n    def f(self) -> None:\n        {literal}\n",
        "attribute": f"class C:\n    x = 1\n    {literal}\n",
    }[where]
    assert format_python(source) == source
