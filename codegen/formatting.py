"""Stage 4: format rendered Python with black, in process."""

from __future__ import annotations

import black
from black.mode import Mode, TargetVersion

# One fixed mode, not the user's [tool.black]: the bytes of generated code must
# not depend on the project that runs the generator.
MODE = Mode(target_versions={TargetVersion.PY310}, line_length=88)


def format_python(source: str) -> str:
    """Return ``source`` formatted by black (no equivalence check: the tests
    compile, import and type-check what it produces)."""
    return black.format_str(source, mode=MODE)
