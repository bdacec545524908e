"""Which actions of the shared corpus get a paginator, in which style, and why the others do not.

    python benchmarks/pagination.py [--corpus ../shared/tencentcloud-api] [--quiet]

Runs the importer's detection (codegen.pagination, rules in
docs/pagination.md) on every action, prints the count per style (with and
without a total) and then every candidate that was left out, one line each
with the reason. A candidate is an action whose request has paging fields.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codegen.importers.tencent_api import load_folder  # noqa: E402
from codegen.inputs import tencent_service_folders  # noqa: E402
from codegen.pagination import detect  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "tencentcloud-api")
    parser.add_argument("--quiet", action="store_true", help="counts only, not the list of left-out candidates")
    args = parser.parse_args()
    styles: Counter[str] = Counter()
    left_out: list[str] = []
    actions = 0
    for folder in tencent_service_folders(args.corpus):
        imported = load_folder(folder)
        for name, doc in sorted(imported.actions.items()):
            actions += 1
            found = detect(doc)
            if not found.style:
                continue
            where = f"{imported.folder} {name}"
            if doc.get("streaming"):
                left_out.append(f"{where}: {found.style}: answers with a stream of events")
            elif found.block is None:
                left_out.append(f"{where}: {found.style}: {found.reason}")
            else:
                styles[f"{found.style}, {'with a total' if 'total' in found.block else 'no total'}"] += 1
    paged = sum(styles.values())
    print(f"{actions} actions; {paged} get a paginator; {len(left_out)} candidates left out")
    for style in (
        "offset, with a total",
        "offset, no total",
        "page, with a total",
        "page, no total",
        "token, no total",
    ):
        print(f"  {style.replace('token, no total', 'token'):<22} {styles[style]:>5}")
    if not args.quiet:
        print("left out:")
        for line in left_out:
            print(f"  {line}")


if __name__ == "__main__":
    main()
