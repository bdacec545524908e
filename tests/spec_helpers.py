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


def write_large_specs(
    root: Path, services: int = 3, actions: int = 40, fields: int = 25, summary: str = "Do it."
) -> Path:
    """A tree big enough that generating it takes seconds (for kill and lock tests)."""
    write_specs(root, actions=())
    for s in range(services):
        folder = root / f"svc{s}" / "2020-01-01"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "service.yaml").write_text(
            f'service: svc{s}\nversion: "2020-01-01"\nendpoint: svc{s}.tencentcloudapi.com\n'
        )
        props = "".join(f"    Field{f}: {{type: string, description: Field number {f}.}}\n" for f in range(fields))
        for a in range(actions):
            (folder / f"Act{a}.yaml").write_text(
                f"action: Act{a}\nsummary: {summary}\nrequest:\n  type: object\n  properties:\n{props}"
                f"response:\n  type: object\n  properties:\n{props}"
            )
    return root
