"""Stage 4: format rendered Python with black, in process."""

from __future__ import annotations

import black

# One fixed mode, not the user's [tool.black]: the bytes of generated code must
# not depend on the project that runs the generator.
MODE = black.Mode(target_versions={black.TargetVersion.PY310}, line_length=88)


def format_python(source: str) -> str:
    """Return ``source`` formatted by black."""
    try:
        return black.format_str(source, mode=MODE)
    except black.NothingChanged:  # pragma: no cover - format_str does not raise it
        return source
