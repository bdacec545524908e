"""Hostile names and paths (issue 22, item 1): nothing an input says ever makes
``codegen import`` or ``codegen generate`` write or remove outside its output
folder, nor outside the scratch folder of the import's check.

Names that become paths (a service, a version, an action) are refused before
anything is written, with one line naming the file and the JSON pointer;
independently, every write goes through ``writer.inside``, which refuses a
path leading out (``..``, absolute, a symlink).
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen import cli, writer
from codegen.loader import ImportedService
from codegen.specfiles import _check, import_specs

from ..spec_helpers import write_specs


def api_json(service: str = "demo", version: str = "2020-01-01", action: str = "Ping") -> dict[str, object]:
    """The smallest api.json the tencentcloud importer maps."""
    member = {"name": "Id", "type": "string", "member": "string", "required": True, "document": "Its id."}
    return {
        "metadata": {"serviceShortName": service, "apiVersion": version, "serviceNameCN": "Demo"},
        "actions": {action: {"name": "Ping", "document": "Ping it.", "input": "PingRequest", "output": "PingResponse"}},
        "objects": {
            "PingRequest": {"type": "object", "document": "", "members": [member]},
            "PingResponse": {"type": "object", "document": "", "members": []},
        },
    }


def listing(root: Path) -> dict[str, bytes | None]:
    """Every path below ``root`` (not following symlinks) with a file's bytes."""
    found: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        plain = path.is_file() and not path.is_symlink()
        found[path.relative_to(root).as_posix()] = path.read_bytes() if plain else None
    return found


# Names the allow-lists accept (ASCII only, matched in full); a strategy's
# names that match are dropped, so every name tried is one to refuse.
SERVICE_OK = re.compile(r"[a-z][a-z0-9_]{0,59}", re.ASCII)
VERSION_OK = re.compile(r"v?[0-9]{4}-?[0-9]{2}-?[0-9]{2}", re.ASCII)  # the importer writes 20200101 as 2020-01-01
ACTION_OK = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,119}", re.ASCII)

ATTACKS = [
    "../../x",
    "/tmp/x",
    "x/../../y",
    ".",
    "..",
    "",
    "a\x00b",
    "a\\b",
    "..\\..\\x",
    "x\n",
    "demo\n",
    "2020-01-01\n",
    "Ping\n",
    "~",
    "C:x",
    "démo",
    "ｄｅｍｏ",  # fullwidth letters
    "a" * 300,
    "a/",
    "\ud800",
]
_PIECES = st.text(alphabet="aZ09_.-/\\~\x00\n\r\t é", max_size=6)
HOSTILE = st.one_of(
    st.sampled_from(ATTACKS),
    st.builds(
        lambda a, sep, b: a + sep + b, _PIECES, st.sampled_from(["/", "\\", "/../", "\x00", "\n", ".."]), _PIECES
    ),
    st.text(max_size=20),
    st.text(alphabet="ab/.", min_size=100, max_size=400),
)


def _refused(pattern: re.Pattern[str]) -> st.SearchStrategy[str]:
    return HOSTILE.filter(lambda name: not pattern.fullmatch(name))


FIELDS = {
    "service": ("/metadata/serviceShortName", SERVICE_OK),
    "version": ("/metadata/apiVersion", VERSION_OK),
    "action": ("/actions/", ACTION_OK),
}


def _attack(work: Path, field: str, name: str) -> tuple[dict[str, bytes | None], Path, Path]:
    """A work folder with an api.json naming ``name`` as its ``field``, and an existing spec folder."""
    api = work / "in" / "api.json"
    api.parent.mkdir(parents=True)
    api.write_text(json.dumps(api_json(**{field: name})), "utf-8")
    out = work / "deep" / "er" / "out"
    write_specs(out)
    return listing(work), api, out


@pytest.mark.parametrize("field", sorted(FIELDS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_import_refuses_every_hostile_name_before_writing(
    field: str, data: st.DataObject, capsys: pytest.CaptureFixture[str]
) -> None:
    pointer, allowed = FIELDS[field]
    name = data.draw(_refused(allowed), label=field)
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as scratch:
        work = Path(folder)
        before, api, out = _attack(work, field, name)
        tempfile.tempdir = scratch  # where the import's check makes its scratch folder
        try:
            code = cli.main(["import", "tencentcloud", "--api", str(api), "--out", str(out)])
        finally:
            tempfile.tempdir = None
        err = capsys.readouterr().err
        assert code == 2, err
        lines = err.splitlines()
        assert lines[-1] == "codegen: 1 problem(s); nothing was written", err
        assert lines[0].startswith(f"{api.as_posix()}#{pointer}") and f"{field} name" in lines[0], err
        assert listing(work) == before
        assert listing(Path(scratch)) == {}


@pytest.mark.parametrize("field", sorted(FIELDS))
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generate_from_tencentcloud_refuses_every_hostile_name(
    field: str, data: st.DataObject, capsys: pytest.CaptureFixture[str]
) -> None:
    name = data.draw(_refused(FIELDS[field][1]), label=field)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        api = work / "in" / "demo" / "v20200101" / "api.json"
        api.parent.mkdir(parents=True)
        api.write_text(json.dumps(api_json(**{field: name})), "utf-8")
        before = listing(work)
        out = work / "out"
        args = ["generate", "--from", "tencentcloud", str(work / "in"), "--out", str(out), "--no-cache", "-q"]
        code = cli.main([*args, "-j", "1"])
        err = capsys.readouterr().err
        assert code == 2, err
        assert f"{field} name" in err and err.splitlines()[-1].endswith("nothing was written"), err
        assert listing(work) == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(package=HOSTILE.filter(lambda name: name and not name.isidentifier()))  # "" is the default
def test_generate_refuses_a_hostile_package_name(package: str, capsys: pytest.CaptureFixture[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        specs = write_specs(work / "specs")
        before = listing(work)
        capsys.readouterr()
        code = cli.main(["generate", "--specs", str(specs), "--out", str(work / "out"), f"--package={package}", "-q"])
        err = capsys.readouterr().err
        assert code == 2 and len(err.splitlines()) == 1, err
        assert listing(work) == before


def test_a_valid_name_still_imports() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        api = work / "api.json"
        api.write_text(json.dumps(api_json()), "utf-8")
        assert cli.main(["import", "tencentcloud", "--api", str(api), "--out", str(work / "out")]) == 0
        assert (work / "out" / "demo" / "2020-01-01" / "Ping.yaml").is_file()


# --- every write proven inside its root


@settings(max_examples=200, deadline=None)
@given(relative=st.one_of(HOSTILE, st.text(alphabet="ab./", max_size=12)))
def test_inside_returns_only_paths_below_the_root(relative: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "root"
        (root / "a").mkdir(parents=True)
        (root / "b").symlink_to(Path(folder))  # a symlink in the root that leads out
        try:
            target = writer.inside(root, relative)
        except writer.OutsideRoot as exc:
            assert exc.filename.startswith(root.as_posix()) and "\n" not in str(exc)
            return
        assert target.resolve().is_relative_to(root.resolve()) and target != root
        parts = target.relative_to(root).parts
        assert ".." not in parts and parts[0] != "b"  # never through the link that leads out


def test_the_check_step_never_writes_outside_its_scratch_folder(tmp_path: Path) -> None:
    out, scratch = tmp_path / "specs", tmp_path / "tmp"
    write_specs(out)
    scratch.mkdir()
    tempfile.tempdir = str(scratch)
    try:
        with pytest.raises(writer.OutsideRoot):
            _check(out, {"../../escaped.yaml": "service: x\n"}, [])
    finally:
        tempfile.tempdir = None
    assert not (tmp_path / "escaped.yaml").exists() and listing(scratch) == {}


class _HostileWriter:
    """An importer of another format whose names were never checked by it."""

    def __init__(self, folder: str, service: str, version: str, action: str) -> None:
        self.imported = ImportedService(
            folder, {"service": service, "version": version}, {action: {}}, "elsewhere/input"
        )

    def import_service(self, *_: object) -> ImportedService:
        return self.imported


@pytest.mark.parametrize(
    ("folder", "service", "version", "action"),
    [
        ("../x/2020-01-01", "../x", "2020-01-01", "Ping"),
        ("/tmp/x/2020-01-01", "/tmp/x", "2020-01-01", "Ping"),
        ("demo/2020-01-01", "demo", "2020-01-01", "../../Ping"),
        ("demo/../..", "demo", "2020-01-01", "Ping"),  # a folder that is not <service>/<version>
    ],
)
def test_import_checks_the_names_of_any_importer(
    tmp_path: Path, folder: str, service: str, version: str, action: str
) -> None:
    from codegen.diagnostics import SpecError

    out = tmp_path / "a" / "b" / "out"
    with pytest.raises(SpecError) as raised:
        import_specs(_HostileWriter(folder, service, version, action), Path("api.json"), None, None, out, None)
    assert "cannot import" in str(raised.value.diagnostics[0])
    assert listing(tmp_path) == {}


# --- symlinks inside the output folder are not followed


def test_import_refuses_a_symlink_in_out_that_leads_outside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api = tmp_path / "api.json"
    api.write_text(json.dumps(api_json()), "utf-8")
    elsewhere = tmp_path / "elsewhere" / "demo" / "2020-01-01"
    elsewhere.mkdir(parents=True)
    (elsewhere / "Mine.yaml").write_text("the user's own file\n", "utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "demo").symlink_to(elsewhere.parent)
    code = cli.main(["import", "tencentcloud", "--api", str(api), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "a symlink leads it outside" in err, err
    assert listing(tmp_path / "elsewhere") == {
        "demo": None,
        "demo/2020-01-01": None,
        "demo/2020-01-01/Mine.yaml": b"the user's own file\n",
    }


def test_generate_refuses_a_package_folder_that_is_a_symlink_leading_outside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = write_specs(tmp_path / "specs")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine\n", "utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "tcsdk").symlink_to(elsewhere)
    code = cli.main(["generate", "--specs", str(specs), "--out", str(out), "--no-cache", "-q", "-j", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "a symlink leads it outside" in err, err
    assert listing(elsewhere) == {"keep.txt": b"mine\n"}


def test_generate_replaces_a_symlinked_file_and_never_writes_through_it(tmp_path: Path) -> None:
    specs = write_specs(tmp_path / "specs")
    out = tmp_path / "out"
    args = ["generate", "--specs", str(specs), "--out", str(out), "--no-cache", "-q", "-j", "1"]
    assert cli.main(args) == 0
    generated = out / "tcsdk" / "demo" / "__init__.py"
    outside = tmp_path / "outside.py"
    outside.write_bytes(generated.read_bytes())  # the same bytes: "unchanged" must not keep the link
    generated.unlink()
    generated.symlink_to(outside)
    assert cli.main(args) == 0
    assert not generated.is_symlink() and generated.read_bytes() == outside.read_bytes()
    assert not any(path.is_symlink() for path in (out / "tcsdk").rglob("*"))
