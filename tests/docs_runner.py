"""Run every Python and shell block of one Markdown document, in order, as a reader would.

``python tests/docs_runner.py DOCUMENT`` (tests/test_docs.py runs it in a
child process, from a sandbox folder, with the environment it prepares).
Blocks are found by sybil; what each kind of block does:

- ```` ```python ````: run in one namespace per document, so a block may use
  what an earlier block of the same document made. A block whose first line
  is a comment naming a file (``# myapp/rooms.py: ...``) is written to that
  file instead; a test file (``tests/test_*.py``) is then run with pytest.
- ```` ```sh ```` (or ``bash``): run with ``bash -e`` in the sandbox folder.
- ``<!-- invisible-code-block: python ... -->``: run like a Python block but
  not shown by a Markdown viewer: the setting a snippet assumes (an answer
  queued on the local endpoint, ``docs_endpoint``, say).

Every document runs against a local Tencent endpoint (``tcsdk.common.fake_server``
of the package on the path), which ``TENCENTCLOUD_ENDPOINT`` and the key
variables point every client at, in this process and the shell blocks alike.
- ``<!-- illustration: why -->`` just before a block: the block is not run,
  and the reason must be given.

Every fenced Python or shell block must be run or marked: a block in a
language this runner does not run (``console``...) fails the document.
Exit code 0 when every block ran; otherwise the first failure as
``DOCUMENT:LINE: what happened`` and its traceback, and exit code 1.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sybil import Document, Example, Region, Sybil
from sybil.parsers.markdown import CodeBlockParser, PythonCodeBlockParser
from sybil.parsers.markdown.lexers import DirectiveInHTMLCommentLexer

RUN_LANGUAGES = {"python", "sh", "bash"}
# Fenced blocks in these languages are code a reader could run: each must be run or marked.
CODE_LANGUAGES = RUN_LANGUAGES | {"py", "shell", "console", "pycon", "zsh"}
_FENCE = re.compile(r"^ {0,3}```(\w*)", re.MULTILINE)
ENV_ENDPOINT = "TENCENTCLOUD_ENDPOINT"
# Between a marker's region and the block it marks: the comment's end, blank lines, the block's fence.
_JUST_BEFORE = re.compile(r"\s*(-+->)?\s*(```\w*\n)?")
_FILE_BLOCK = re.compile(r"\A# ([\w./-]+\.py)\b")


class Illustration:
    """``<!-- illustration: why -->``: the next block is shown, not run."""

    lexer = DirectiveInHTMLCommentLexer(directive="illustration")

    def __call__(self, document: Document) -> Iterable[Region]:
        for lexed in self.lexer(document):
            yield Region(lexed.start, lexed.end, Illustration.Reason(lexed.lexemes["arguments"]), self._note)

    @staticmethod
    def _note(example: Example) -> None:
        if not str(example.parsed).strip():
            raise ValueError("an illustration must say why it is not run: <!-- illustration: why -->")

    class Reason(str):
        """The reason text of an illustration marker."""


def run_shell(example: Example) -> None:
    done = subprocess.run(["bash", "-e", "-c", str(example.parsed)], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()[-3000:]
        raise AssertionError(f"exit code {done.returncode}:\n{output}")


def write_file(example: Example, path: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(str(example.parsed), encoding="utf-8")
    if target.name.startswith("test_"):
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(target)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise AssertionError(f"pytest {path} failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")


SYBIL = Sybil(
    parsers=[
        PythonCodeBlockParser(),
        CodeBlockParser("sh", run_shell),
        CodeBlockParser("bash", run_shell),
        Illustration(),
    ]
)


def fenced_code_lines(text: str) -> dict[int, str]:
    """The first line of every opening fence of a code language, with that language."""
    lines: dict[int, str] = {}
    opening = True
    for match in _FENCE.finditer(text):
        if opening and match.group(1) in CODE_LANGUAGES:
            lines[text.count("\n", 0, match.start()) + 1] = match.group(1)
        opening = not opening
    return lines


def run_document(path: Path, names: dict[str, Any]) -> tuple[int, int]:
    """Run the document's blocks; (blocks run, blocks marked as illustrations). Raises on the first failure.

    ``names`` are given to the invisible blocks (and any other) of the document.
    """
    document = SYBIL.parse(path)
    document.namespace.update(names)
    code = fenced_code_lines(document.text)
    ran = marked = 0
    marker_end: int | None = None  # where the last illustration marker ended, until its block
    for example in document.examples():
        code.pop(example.line, None)
        if isinstance(example.parsed, Illustration.Reason):
            example.evaluate()
            marker_end = example.region.end
            continue
        if marker_end is not None:
            if not _JUST_BEFORE.fullmatch(document.text[marker_end : example.region.start]):
                raise BlockFailed(
                    f"{path}:{example.line}: an illustration marker is not right before a block it can mark"
                )
            marker_end, marked = None, marked + 1
            continue
        file_block = _FILE_BLOCK.match(str(example.parsed))
        try:
            if file_block is not None and example.region.evaluator is not run_shell:
                write_file(example, file_block.group(1))
            else:
                example.evaluate()
        except BaseException as exc:
            raise BlockFailed(f"{path}:{example.line}: {type(exc).__name__}: {exc}") from exc
        ran += 1
    if marker_end is not None:
        raise BlockFailed(f"{path}: an illustration marker is not followed by a block")
    for line, language in sorted(code.items()):
        raise BlockFailed(f"{path}:{line}: a ```{language} block that is neither run nor marked as an illustration")
    return ran, marked


class BlockFailed(Exception):
    """A block of the document did not run as written."""


@contextmanager
def local_tencent_cloud() -> Iterator[Any]:
    """The Tencent Cloud the blocks call: the package's local endpoint, its keys in the environment."""
    from tcsdk.common.fake_server import fake_tencent_cloud

    with fake_tencent_cloud() as server:
        os.environ[ENV_ENDPOINT] = server.url
        os.environ["TENCENTCLOUD_SECRET_ID"] = server.credentials.secret_id
        os.environ["TENCENTCLOUD_SECRET_KEY"] = server.credentials.secret_key
        yield server


def main(argv: list[str]) -> int:
    (name,) = argv
    try:
        with local_tencent_cloud() as server:
            ran, marked = run_document(Path(name), {"docs_endpoint": server})
    except BlockFailed as exc:
        print(exc, file=sys.stderr)
        if exc.__cause__ is not None:
            traceback.print_exception(exc.__cause__, file=sys.stderr)
        return 1
    print(f"{name}: {ran} blocks run, {marked} illustrations")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
