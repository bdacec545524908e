"""Build small spec trees in a temporary folder for tests."""

from __future__ import annotations

from pathlib import Path

ERRORS = "errors:\n  InternalError: Internal error.\n  AuthFailure.SignatureFailure: Bad signature.\n"
SERVICE = 'service: demo\nversion: "2020-01-01"\nendpoint: demo.tencentcloudapi.com\n'
ACTION = (
    "action: {name}\nsummary: Do it.\nrequest:\n  type: object\n  required: [Id]\n"
    "  properties:\n    Id: {{type: string}}\nresponse:\n  type: object\n  properties: {{}}\n"
)


def write_specs(root: Path, files: dict[str, str] | None = None, *, actions: tuple[str, ...] = ("Ping",)) -> Path:
    """A valid tree (common errors, one service, ``actions``) plus/overridden by ``files``."""
    tree = {"common/errors.yaml": ERRORS, "demo/2020-01-01/service.yaml": SERVICE}
    for name in actions:
        tree[f"demo/2020-01-01/{name}.yaml"] = ACTION.format(name=name)
    tree.update(files or {})
    for relative, text in tree.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
