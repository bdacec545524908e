"""Which actions of the shared corpus get a waiter, of which kind, and why the other candidates do not.

    python benchmarks/waiters.py [--corpus ../shared/tencentcloud-api] [--quiet]

Runs the importer's detection (codegen.waiters, rules in docs/waiters.md)
on every service version, prints the count per kind and per reason for
leaving a candidate out, then (unless ``--quiet``) every waiter found and
every candidate left out, one line each. A candidate is an action that
changes state and answers with a task identifier (a task waiter), or a
create action that answers with resource ids (a resource waiter).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codegen.importers.tencent_api import load_folder  # noqa: E402
from codegen.inputs import tencent_service_folders  # noqa: E402
from codegen.waiters import detect  # noqa: E402


def reason_kind(reason: str) -> str:
    """The reason without the names in it, to count alike reasons together."""
    for pattern, kind in (
        (r"^a tie", "a tie between pollers"),
        (r"^no read-only action takes", "no read-only action takes the id"),
        (r"named after other work", "the pollers are named after other work"),
        (r"no success and failure values documented", "no success and failure values documented"),
        (r"no status field", "the poller's answer has no status field"),
        (r"neither takes nor returns", "the poller needs a field not available"),
        (r"^no Describe\w* action filters", "no Describe action filters on the ids"),
        (r"no ready state documented|no list with a state field", "no documented ready state"),
    ):
        if re.search(pattern, reason):
            return kind
    return reason


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "tencentcloud-api")
    parser.add_argument("--quiet", action="store_true", help="counts only, not the lists")
    args = parser.parse_args()
    kinds: Counter[str] = Counter()
    reasons: Counter[tuple[str, str]] = Counter()
    found_lines: list[str] = []
    left_lines: list[str] = []
    actions = 0
    for folder in tencent_service_folders(args.corpus):
        imported = load_folder(folder)
        actions += len(imported.actions)
        result = detect(imported.service.get("types") or {}, imported.actions)
        for found in result.found:
            kinds[found.kind] += 1
            block = found.block
            found_lines.append(
                f"{imported.folder} {found.action} -> {block['action']} {block['status']}"
                f" success={block.get('success')} failure={block.get('failure', [])}"
            )
        for left in result.left_out:
            reasons[(left.kind, reason_kind(left.reason))] += 1
            left_lines.append(f"{imported.folder} {left.action}: {left.kind}: {left.reason}")
    candidates = sum(kinds.values()) + len(left_lines)
    print(f"{actions} actions; {candidates} candidates; {sum(kinds.values())} get a waiter; {len(left_lines)} left out")
    for kind in ("task", "resource"):
        print(f"  {kind + ' waiters':<20} {kinds[kind]:>5}")
    print("left out, by reason:")
    for (kind, reason), count in sorted(reasons.items(), key=lambda item: (item[0][0] != "task", -item[1])):
        print(f"  {kind:<9} {reason:<46} {count:>5}")
    if not args.quiet:
        print("found:")
        for line in found_lines:
            print(f"  {line}")
        print("left out:")
        for line in left_lines:
            print(f"  {line}")


if __name__ == "__main__":
    main()
