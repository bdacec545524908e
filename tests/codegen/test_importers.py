"""The importer registry: a new input format plugs in from outside the package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from codegen import cli, importers
from codegen.cache import Cache
from codegen.diagnostics import Diagnostic, json_pointer
from codegen.inputs import Unit, shipped_common_unit
from codegen.loader import ImportedService, SpecDocument, validate

from ..conftest import FIXTURES, ROOT, run_codegen

TENCENT = FIXTURES / "tencent"


class ToyImporter:
    """A toy format: one ``<name>.toy.json`` per service,
    ``{"service": ..., "version": ..., "actions": {"Action": {"Field": "string"}}}``.

    At module level, so pickle finds it in worker processes.
    """

    name = "toy"
    description = "toy services, one <name>.toy.json each"
    version = ""

    def read_units(self, root: Path, folders: Sequence[str] | None = None) -> tuple[Unit, list[Unit]]:
        names = sorted(p.name for p in root.glob("*.toy.json")) if folders is None else list(folders)
        return shipped_common_unit(), [
            Unit((root / n).as_posix(), (((root / n).as_posix(), (root / n).read_bytes()),)) for n in names
        ]

    def load_unit(
        self, unit: Unit, actions: Sequence[str] | None = None, cache: Cache | None = None
    ) -> tuple[list[SpecDocument], list[Diagnostic]]:
        ((shown, raw),) = unit.files
        toy = json.loads(raw)
        service = {"service": toy["service"], "version": toy["version"], "endpoint": f"{toy['service']}.example.com"}
        docs = {
            action: {
                "action": action,
                "request": {"type": "object", "properties": {f: {"type": t} for f, t in fields.items()}},
                "response": {"type": "object", "properties": {}},
            }
            for action, fields in toy["actions"].items()
        }
        places = {a: {(): (shown, json_pointer("actions", a))} for a in docs}
        imported = ImportedService(f"{toy['service']}/{toy['version']}", service, docs, shown, origins=places)
        documents = imported.documents(shown)
        problems = [p for d in documents for p in validate(d, cache)]
        return ([] if problems else documents), problems

    def unit_of(self, relative: str) -> str | None:
        return relative if relative.endswith(".toy.json") and "/" not in relative else None


@pytest.fixture
def toy() -> Iterator[ToyImporter]:
    importer = ToyImporter()
    importers.register(importer)
    yield importer
    del importers.IMPORTERS[importer.name]


def write_toy(folder: Path, **services: dict[str, dict[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, actions in services.items():
        toy = {"service": name, "version": "2021-02-03", "actions": actions}
        (folder / f"{name}.toy.json").write_text(json.dumps(toy), encoding="utf-8")
    return folder


def test_the_registry_lists_the_built_in_formats() -> None:
    assert importers.names() == ["specs", "tencentcloud"]
    for name in importers.names():
        importer = importers.get(name)
        assert importer.name == name and importer.description and "\n" not in importer.description
    assert isinstance(importers.get("tencentcloud"), importers.SpecWriter)
    assert not isinstance(importers.get("specs"), importers.SpecWriter)
    with pytest.raises(importers.UnknownFormat, match="unknown format 'nope'; the formats are specs, tencentcloud"):
        importers.get("nope")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_format_registered_from_outside_generates_an_importable_package(
    toy: ToyImporter, tmp_path: Path, jobs: str
) -> None:
    # With -j 2 and two services the jobs run in spawned workers, which get the importer by pickle.
    source = write_toy(tmp_path / "in", toy={"Ping": {"Name": "string"}}, pong={"Pong": {"Count": "integer"}})
    out = tmp_path / "out"
    argv = ["generate", "--from", "toy", str(source), "--out", str(out), "--package", "toypkg", "--no-cache"]
    assert cli.main([*argv, "-q", "-j", jobs]) == 0
    code = (
        "from toypkg.toy.v20210203 import models\n"
        "from toypkg.toy.v20210203.client import ToyClient\n"
        "assert models.PingRequest(name='x').name == 'x'\n"
        "import toypkg.pong.v20210203.client\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=out, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_an_installed_package_offers_a_format_through_an_entry_point(tmp_path: Path) -> None:
    # A package installed on the path, as pip would leave it: a module and its
    # dist-info naming the importer under the codegen.importers group.
    site = tmp_path / "site"
    site.mkdir()
    (site / "toyplugin.py").write_text("from tests.codegen.test_importers import ToyImporter as Toy\n")
    info = site / "toyplugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toyplugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{importers.ENTRY_POINT_GROUP}]\ntoy = toyplugin:Toy\n")
    source = write_toy(tmp_path / "in", toy={"Ping": {"Name": "string"}})
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    argv = ["generate", "--from", "toy", str(source), "--out", str(out), "--package", "toypkg", "-q", "--no-cache"]
    result = run_codegen(*argv, "-j", "1", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert (out / "toypkg/toy/v20210203/client.py").is_file()
    unknown = run_codegen("generate", "--from", "nope", str(source), cwd=tmp_path, env=env)
    assert unknown.returncode == 2
    assert unknown.stderr.strip().endswith("the formats are specs, tencentcloud, toy"), unknown.stderr


def test_a_registered_format_is_cached_and_its_version_is_in_the_key(
    toy: ToyImporter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_toy(tmp_path / "in", toy={"Ping": {"Name": "string"}})
    argv = ["generate", "--from", "toy", str(source), "--out", str(tmp_path / "out"), "-q", "-j", "1"]
    argv += ["--cache-dir", str(tmp_path / "cache")]
    summaries = []
    for version in ("", "", "2"):
        toy.version = version
        assert cli.main(argv) == 0
        summaries.append(capsys.readouterr().err)
    assert ["from the cache" in summary for summary in summaries] == [False, True, False]


def test_problems_in_a_registered_format_name_its_places(
    toy: ToyImporter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_toy(tmp_path / "in", toy={"Ping": {"Name": "strng"}})
    assert cli.main(["generate", "--from", "toy", str(source), "--out", str(tmp_path / "out"), "-q"]) == 2
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith(f"{source.as_posix()}/toy.toy.json#/actions/Ping: request/properties/Name/type: 'strng'")


def test_diff_reads_a_registered_format(toy: ToyImporter, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = write_toy(tmp_path / "old", toy={"Ping": {"Name": "string"}})
    new = write_toy(tmp_path / "new", toy={"Ping": {"Name": "string", "Id": "string"}})
    assert cli.main(["diff", "--from", "toy", str(old), str(new), "--format", "json"]) == 0
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert [(c["kind"], c["severity"]) for c in changes] == [("request_field_added", "compatible")]


def test_an_unknown_format_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    known = "unknown format 'yaml'; the formats are specs, tencentcloud"
    assert cli.main(["generate", "--from", "yaml", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.splitlines() == [f"codegen: --from: {known}"]
    assert cli.main(["diff", "--from", "yaml", str(tmp_path), str(tmp_path)]) == 2
    assert capsys.readouterr().err.splitlines() == [f"codegen diff: --from: {known}"]
    for name, problem in (("yaml", "is not a known format"), ("specs", "cannot write spec files")):
        argv = ["import", name, "--api", str(tmp_path / "x.json"), "--out", str(tmp_path / "specs")]
        assert cli.main(argv) == 2
        assert capsys.readouterr().err.splitlines() == [
            f"codegen import: {name!r} {problem}; the formats that can: tencentcloud"
        ]


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("api.json", '{\n  "metadata": ,\n}', "2:15: invalid JSON: Expecting value"),
        ("errors.json", '{"codes": {}}\n\n  x', "3:3: invalid JSON: Extra data"),
        ("examples.json", '{"actions": {"A": [1, 2}}', "1:24: invalid JSON: Expecting ',' delimiter"),
    ],
)
def test_a_json_syntax_error_names_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, where: str
) -> None:
    root = tmp_path / "api"
    shutil.copytree(TENCENT, root)
    folder = root / "demo/v20200101"
    (folder / name).write_text(text, encoding="utf-8")
    expected = [f"{(folder / name).as_posix()}:{where}", "codegen: 1 problem(s); nothing was written"]
    assert cli.main(["generate", "--from", "tencentcloud", str(root), "--out", str(tmp_path / "out"), "-q"]) == 2
    assert capsys.readouterr().err.splitlines() == expected
    files = [
        f"--{n.removesuffix('.json')}={(folder / n).as_posix()}" for n in ("api.json", "errors.json", "examples.json")
    ]
    assert cli.main(["import", "tencentcloud", *files, "--out", str(tmp_path / "specs")]) == 2
    assert capsys.readouterr().err.splitlines() == expected


def test_problems_in_tencent_input_point_into_its_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "api"
    shutil.copytree(TENCENT, root)
    folder = root / "demo/v20200101"
    api = json.loads((folder / "api.json").read_text("utf-8"))
    api["objects"]["CreateWidgetRequest"]["members"][1]["name"] = "Bad Name"
    (folder / "api.json").write_text(json.dumps(api), encoding="utf-8")
    errors = json.loads((folder / "errors.json").read_text("utf-8"))
    errors["actions"]["CreateWidget"].append("Bad Code!")
    (folder / "errors.json").write_text(json.dumps(errors), encoding="utf-8")
    assert cli.main(["generate", "--from", "tencentcloud", str(root), "--out", str(tmp_path / "out"), "-q"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith(
        f"{folder.as_posix()}/api.json#/objects/CreateWidgetRequest/members/1: request/properties: 'Bad Name' does not"
    )
    assert lines[1].startswith(f"{folder.as_posix()}/errors.json#/actions/CreateWidget/3: errors: 'Bad Code!'")

    # A problem found after the checks, by the build stage, points there too.
    api["objects"]["CreateWidgetRequest"]["members"][1]["name"] = "From"
    api["objects"]["Filter"]["members"].append({"name": "Self", "type": "object", "member": "Filter", "required": True})
    (folder / "api.json").write_text(json.dumps(api), encoding="utf-8")
    shutil.copy(TENCENT / "demo/v20200101/errors.json", folder / "errors.json")
    assert cli.main(["generate", "--from", "tencentcloud", str(root), "--out", str(tmp_path / "out"), "-q"]) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{folder.as_posix()}/api.json#/objects/Filter: type 'Filter' can never be built: "
        "its required fields lead back to it (Filter.self_ -> Filter)"
    )
