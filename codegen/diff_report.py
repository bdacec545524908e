"""``codegen diff`` output: text for people, JSON for tools, Markdown for changelogs and reviews.

The JSON layout is documented in docs/evolution.md and versioned by its
``schema`` value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from .diff import SEVERITIES, Change, counts

JSON_SCHEMA = "codegen-diff/1"
_LABELS = {"breaking": "BREAKING", "deprecation": "deprecated", "compatible": "compatible"}
_WIDTH = max(len(label) for label in _LABELS.values())


def _group(change: Change, package: str) -> str:
    if not change.service:
        return f"common error codes ({package}.common)"
    module = change.python.split(".", 2)
    return f"{change.service} {change.version} ({package}.{module[0]}.{module[1]})"


def _grouped(changes: Iterable[Change], package: str) -> dict[str, list[Change]]:
    groups: dict[str, list[Change]] = {}
    for change in changes:
        groups.setdefault(_group(change, package), []).append(change)
    return groups


def _line(change: Change) -> str:
    return f"{change.subject}: {change.message}" if change.subject else change.message


def summary(changes: list[Change]) -> str:
    found = counts(changes)
    if not changes:
        return "no API changes"
    return ", ".join(f"{found[s]} {s}" for s in SEVERITIES if found[s])


def as_text(changes: list[Change], package: str) -> str:
    lines = []
    for group, items in _grouped(changes, package).items():
        lines.append(group)
        lines.extend(f"  {_LABELS[c.severity]:<{_WIDTH}}  {_line(c)}" for c in items)
    lines.append(f"codegen diff: {summary(changes)}")
    return "\n".join(lines) + "\n"


def as_markdown(changes: list[Change], package: str, title: str = "API changes") -> str:
    lines = [f"## {title}", "", f"{summary(changes).capitalize()}."]
    for group, items in _grouped(changes, package).items():
        lines += ["", f"### {_md(group)}", ""]
        for severity in SEVERITIES:
            for change in (c for c in items if c.severity == severity):
                lines.append(
                    f"- **{_LABELS[severity]}** {_md(_line(change))} (`{_code(package + '.' + change.python)}`)"
                )
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    # Spec names are identifiers, but descriptions of codes may not be: keep
    # Markdown from reading anything as markup.
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


def _code(text: str) -> str:
    return text.replace("`", "'")


def as_json(changes: list[Change], package: str) -> str:
    document = {
        "schema": JSON_SCHEMA,
        "package": package,
        "summary": counts(changes),
        "changes": [
            {
                "severity": c.severity,
                "kind": c.kind,
                "service": c.service,
                "version": c.version,
                "subject": c.subject,
                "python": f"{package}.{c.python}",
                "message": c.message,
                "old": c.old,
                "new": c.new,
            }
            for c in changes
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
