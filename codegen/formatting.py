"""Stage 4: format rendered Python with black, in process."""

from __future__ import annotations

import gc

import black
from black.mode import Mode, TargetVersion

# One fixed mode, not the user's [tool.black]: the bytes of generated code must
# not depend on the project that runs the generator.
MODE = Mode(target_versions={TargetVersion.PY310}, line_length=88)


def format_python(source: str) -> str:
    """Return ``source`` formatted by black (no equivalence check: the tests
    compile, import and type-check what it produces)."""
    # Black builds a large tree of cyclic nodes and drops it. The cyclic
    # collector, run as it allocates, would scan everything else this process
    # holds (the IR, loaded specs, templates) again and again: a third of
    # black's time in a worker. Its garbage is collected once it is done.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return black.format_str(source, mode=MODE)
    finally:
        if enabled:
            gc.enable()
