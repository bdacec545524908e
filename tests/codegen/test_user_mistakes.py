"""No silent success, and the user's mistakes reported as theirs (issue 21).

A command that did nothing the user asked for exits 2 with one line saying
why and what to do, and writes nothing. Each case the issue lists runs the
command line in a child process, as a user would; the variants around them
run in this process. The user's template errors are in test_templates.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegen import cli
from codegen.no_input import LAYOUTS, nothing_found

from ..conftest import FIXTURES, ROOT, SPECS, run_codegen
from ..spec_helpers import write_specs

TENCENT = FIXTURES / "tencent"
DEMO = TENCENT / "demo" / "v20200101"
SPEC_LAYOUT = "(expected <service>/<version>/service.yaml with the actions' .yaml files)"
TENCENT_LAYOUT = "(expected api.json or <service>/<version>/api.json)"


def problems(err: str, command: str = "codegen") -> list[str]:
    """The problem lines of a run that failed with bad input (the summary line checked and left off)."""
    lines = err.splitlines()
    assert lines[-1].startswith(f"{command}: {len(lines) - 1} problem(s)"), err
    return lines[:-1]


def generate(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = cli.main(["generate", *argv, "-q", "-j", "1", "--no-cache"])
    err = capsys.readouterr().err
    return code, problems(err) if code == 2 else err.splitlines()


# --- the cases of the issue, on the command line


def test_diff_of_two_tencent_folders_without_from_fails_instead_of_passing(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(TENCENT, old)
    shutil.copytree(TENCENT, new)
    result = run_codegen("diff", str(old), str(new), "--fail-on", "breaking")
    assert result.returncode == 2 and result.stdout == ""
    assert problems(result.stderr, "codegen diff") == [
        f"{old.as_posix()}: no service versions in this folder {SPEC_LAYOUT}; "
        "it holds Tencent's API descriptions (api.json): use --from tencentcloud"
    ]


def test_a_spec_folder_one_level_too_deep_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_codegen("generate", "--specs", "specs/trtc/2019-07-22", "--out", str(out), "-q", cwd=ROOT)
    assert result.returncode == 2
    assert problems(result.stderr) == [
        f"specs/trtc/2019-07-22: no service versions in this folder {SPEC_LAYOUT}; "
        "this is one service version's folder: give the spec folder specs"
    ]
    assert not out.exists()  # not even the folder it would have written into


def test_actions_that_match_nothing_name_the_closest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_codegen(
        "generate", "--from", "tencentcloud", str(TENCENT), "--actions", "DescribeWidget", "--out", str(out), "-q"
    )
    assert result.returncode == 2
    assert problems(result.stderr) == [
        f"{TENCENT.as_posix()}: --actions: no action 'DescribeWidget' in the 1 service version here; "
        "did you mean 'DescribeWidgets'?"
    ]
    assert not out.exists()


def test_import_of_actions_that_match_nothing_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "specs"
    result = run_codegen(
        "import", "tencentcloud", "--api", str(DEMO / "api.json"), "--out", str(out), "--actions", "NoSuchAction"
    )
    assert result.returncode == 2
    assert problems(result.stderr) == [
        f"{DEMO.as_posix()}/api.json#/actions: --actions: no action 'NoSuchAction' here; "
        "none of its 4 actions is close; check the name"
    ]
    assert not out.exists()


def test_import_with_the_wrong_file_as_errors_says_so(tmp_path: Path) -> None:
    out = tmp_path / "specs"
    args = ("--api", str(DEMO / "api.json"), "--errors", str(DEMO / "examples.json"), "--out", str(out))
    result = run_codegen("import", "tencentcloud", *args)
    assert result.returncode == 2
    assert problems(result.stderr) == [
        f"{DEMO.as_posix()}/examples.json: cannot import: this is not an errors.json but looks like an "
        "examples.json; give the right file"
    ]
    assert not out.exists()


def test_from_tencentcloud_given_an_api_json_names_its_folder(tmp_path: Path) -> None:
    result = run_codegen(
        "generate", "--from", "tencentcloud", str(DEMO / "api.json"), "--out", str(tmp_path / "out"), "-q"
    )
    assert result.returncode == 2
    assert problems(result.stderr) == [
        f"{DEMO.as_posix()}/api.json: a file, not a folder; give the folder that holds it: {DEMO.as_posix()}"
    ]


# --- spec folders with nothing to read


@pytest.mark.parametrize(
    ("source", "tail"),
    [
        (("--specs", "specs/trtc"), "this is one service's folder: give the spec folder specs"),
        (
            ("--specs", "tests/fixtures/tencent"),
            "it holds Tencent's API descriptions (api.json): use --from tencentcloud",
        ),
        (
            ("--from", "specs", "tests/fixtures/tencent"),
            "it holds Tencent's API descriptions (api.json): use --from tencentcloud",
        ),
        (("--from", "tencentcloud", "specs"), "it holds spec files: use --from specs"),
        (
            ("--from", "tencentcloud", "tests/fixtures/tencent/demo"),
            "this is one service's folder: give one version's, tests/fixtures/tencent/demo/v20200101, "
            "or the folder above, tests/fixtures/tencent",
        ),
        (("--from", "tencentcloud", "tests"), "they are further down: give tests/fixtures/tencent"),
    ],
    ids=["service", "tencent", "tencent-from-specs", "specs-from-tencent", "tencent-service", "tencent-above"],
)
def test_a_folder_without_service_versions_says_where_they_are(
    source: tuple[str, ...],
    tail: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    code, lines = generate(capsys, *source, "--out", str(tmp_path / "out"))
    layout = TENCENT_LAYOUT if "tencentcloud" in source else SPEC_LAYOUT
    assert code == 2 and lines == [f"{source[-1]}: no service versions in this folder {layout}; {tail}"]
    assert not (tmp_path / "out" / "tcsdk").exists()


def test_a_spec_file_or_an_empty_folder_is_no_spec_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    action = SPECS / "trtc/2019-07-22/DismissRoom.yaml"
    code, lines = generate(capsys, "--specs", str(action), "--out", str(tmp_path / "out"))
    assert code == 2 and lines == [f"{action}: a spec file, not a spec folder; give the spec folder: {SPECS}"]
    empty = tmp_path / "empty"
    empty.mkdir()
    code, lines = generate(capsys, "--specs", str(empty), "--out", str(tmp_path / "out"))
    assert code == 2
    assert lines == [f"{empty}: no service versions in this folder {SPEC_LAYOUT}; give the folder that holds them"]
    code, lines = generate(capsys, "--from", "tencentcloud", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert code == 2 and lines == [f"{tmp_path / 'nowhere'}: folder not found"]


def test_a_folder_with_only_its_common_error_table_is_a_runtime_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The one empty request that makes sense: the runtime and CommonClient, no service.
    specs = write_specs(tmp_path / "specs", actions=())
    (specs / "demo" / "2020-01-01" / "service.yaml").unlink()
    code, lines = generate(capsys, "--specs", str(specs), "--out", str(tmp_path / "out"))
    assert code == 0, lines
    assert lines[-1].startswith("codegen: 0 service versions, 0 actions: ")
    assert (tmp_path / "out/tcsdk/common/client.py").is_file()
    # ... but not with spec files a level off beside it: those were meant to be read.
    moved = write_specs(tmp_path / "moved" / "v1")
    shutil.move(moved / "common", tmp_path / "moved" / "common")
    code, lines = generate(capsys, "--specs", str(tmp_path / "moved"), "--out", str(tmp_path / "out2"))
    assert code == 2
    assert lines == [
        f"{tmp_path / 'moved'}: no service versions in this folder {SPEC_LAYOUT}; "
        f"they are further down: give {tmp_path / 'moved' / 'v1'}"
    ]


@given(
    st.sampled_from(sorted(LAYOUTS)),
    st.lists(st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True), min_size=5, max_size=5),
    st.integers(-2, 2),
)
def test_the_folder_a_message_suggests_holds_the_input_at_its_depth(
    source_format: str, names: list[str], offset: int
) -> None:
    # One service version's marker file at <base>/<a>/<b>/<marker>, with the
    # root given `offset` levels inside that (1, 2) or with the input that many
    # levels further down (-1, -2): the folder the message suggests last, taken
    # as the root, has the marker at a depth the format reads.
    marker, depths, _ = LAYOUTS[source_format]
    base = PurePosixPath("/work", names[0])
    marker_path = base.joinpath(*names[3 : 3 - offset] if offset < 0 else (), names[1], names[2], marker)
    root = base.joinpath(*(names[1], names[2])[: max(offset, 0)])
    relative = marker_path.relative_to(root)
    if len(relative.parts) in depths:
        return  # read as it is: there is nothing to suggest
    message = nothing_found(root.as_posix(), [relative.as_posix()], source_format)
    suggested = PurePosixPath(message.rsplit(" ", 1)[-1])
    assert len(marker_path.relative_to(suggested).parts) in depths, message


# --- --actions


def test_actions_some_known_some_not_name_only_the_unknown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = generate(
        capsys,
        "--from",
        "tencentcloud",
        str(TENCENT),
        "--actions",
        "CreateWidget,createwidgets,Nope",
        "--out",
        str(tmp_path / "o"),
    )
    where = f"{TENCENT.as_posix()}: --actions: no action"
    assert code == 2 and lines == [
        f"{where} 'Nope' in the 1 service version here; none of its 4 actions is close; check the name",
        f"{where} 'createwidgets' in the 1 service version here; did you mean 'CreateWidget'?",
    ]
    assert not (tmp_path / "o" / "tcsdk").exists()


def test_an_action_of_one_service_version_among_several_is_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "api"
    shutil.copytree(TENCENT, root)
    api = json.loads((DEMO / "api.json").read_text("utf-8"))
    api["metadata"]["serviceShortName"] = "other"
    api["actions"] = {"Ping": api["actions"]["CreateWidget"]}
    (root / "other" / "v20200101").mkdir(parents=True)
    (root / "other" / "v20200101" / "api.json").write_text(json.dumps(api), "utf-8")
    code, lines = generate(
        capsys, "--from", "tencentcloud", str(root), "--actions", "Ping,OldWidget", "--out", str(tmp_path / "o")
    )
    assert code == 0, lines
    assert lines[-1].startswith("codegen: 2 service versions, 2 actions:")


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ("--from", "tencentcloud", str(TENCENT), "--actions", ","),
            "--actions: no action names given; give them comma-separated",
        ),
        (
            ("--from", "tencentcloud", str(TENCENT), "--actions", ""),
            "--actions: no action names given; give them comma-separated",
        ),
        (
            ("--from", "specs", str(SPECS), "--actions", "DismissRoom"),
            "--actions: the specs format cannot select actions (its input holds what is wanted); leave it out",
        ),
    ],
    ids=["comma", "empty", "specs"],
)
def test_actions_that_select_nothing_or_cannot_select(
    argv: tuple[str, ...], line: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = generate(capsys, *argv, "--out", str(tmp_path / "o"))
    assert code == 2 and lines == [line]


def test_actions_with_an_unreadable_description_report_the_description(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Which actions a file holds is not known when it does not parse: the file is what to fix.
    root = tmp_path / "api"
    shutil.copytree(TENCENT, root)
    (root / "demo" / "v20200101" / "api.json").write_text("{", "utf-8")
    code, lines = generate(
        capsys, "--from", "tencentcloud", str(root), "--actions", "CreateWidget", "--out", str(tmp_path / "o")
    )
    assert code == 2
    assert lines == [
        f"{root.as_posix()}/demo/v20200101/api.json:1:2: invalid JSON: Expecting property name enclosed in double quotes"
    ]


def test_import_of_some_unknown_actions_names_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["import", "tencentcloud", "--api", str(DEMO / "api.json"), "--out", str(tmp_path / "s")]
    assert cli.main([*argv, "--actions", "CreateWidget,OldWidgets"]) == 2
    assert problems(capsys.readouterr().err) == [
        f"{DEMO.as_posix()}/api.json#/actions: --actions: no action 'OldWidgets' here; did you mean 'OldWidget'?"
    ]
    assert cli.main([*argv, "--actions", ","]) == 2
    assert problems(capsys.readouterr().err) == ["--actions: no action names given; give them comma-separated"]
    assert not (tmp_path / "s").exists()


# --- Tencent's files given in each other's place, or misshapen


@pytest.mark.parametrize(
    ("option", "given", "looks"),
    [
        ("--api", "errors.json", "api.json"),
        ("--errors", "api.json", "errors.json"),
        ("--examples", "errors.json", "examples.json"),
    ],
)
def test_a_tencent_file_in_the_place_of_another(
    option: str, given: str, looks: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {"--api": DEMO / "api.json", option: DEMO / given}
    argv = ["import", "tencentcloud", *(f"{o}={p}" for o, p in files.items()), "--out", str(tmp_path / "s")]
    assert cli.main(argv) == 2
    kind = given.removesuffix(".json")
    assert problems(capsys.readouterr().err) == [
        f"{DEMO.as_posix()}/{given}: cannot import: this is not an {looks} but looks like an {kind}.json; give the right file"
    ]


def test_a_misshapen_tencent_file_names_the_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "api"
    shutil.copytree(TENCENT, root)
    folder = root / "demo" / "v20200101"
    errors = json.loads((folder / "errors.json").read_text("utf-8"))
    errors["actions"]["CreateWidget"] = {"code": "InvalidParameter"}  # a list belongs here
    (folder / "errors.json").write_text(json.dumps(errors), "utf-8")
    code, lines = generate(capsys, "--from", "tencentcloud", str(root), "--out", str(tmp_path / "o"))
    assert code == 2
    assert lines == [
        f"{folder.as_posix()}/errors.json#/actions/CreateWidget: cannot import: "
        "{'code': 'InvalidParameter'} is not of type 'array'"
    ]
    argv = ["import", "tencentcloud", "--api", str(folder / "api.json"), "--errors", str(folder / "errors.json")]
    assert cli.main([*argv, "--out", str(tmp_path / "s")]) == 2
    assert problems(capsys.readouterr().err) == lines


def test_a_folder_given_as_api_names_its_api_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", "tencentcloud", "--api", str(DEMO), "--out", str(tmp_path / "s")]) == 2
    assert problems(capsys.readouterr().err) == [
        f"{DEMO.as_posix()}: cannot import: a folder, not a file; give its api.json, {DEMO.as_posix()}/api.json"
    ]


def test_a_named_errors_or_examples_file_that_is_missing_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "errors.json"
    argv = [
        "import",
        "tencentcloud",
        "--api",
        str(DEMO / "api.json"),
        "--errors",
        str(missing),
        "--out",
        str(tmp_path / "s"),
    ]
    assert cli.main(argv) == 2
    assert problems(capsys.readouterr().err) == [f"{missing.as_posix()}: cannot import: file not found"]


# --- diff sides with nothing to compare


def test_diff_sides_with_nothing_to_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for argv, line in (
        (
            (str(empty), str(SPECS)),
            f"{empty.as_posix()}: no service versions in this folder {SPEC_LAYOUT}; give the folder that holds them",
        ),
        (
            (str(SPECS), str(SPECS / "trtc")),
            f"{(SPECS / 'trtc').as_posix()}: no service versions in this folder {SPEC_LAYOUT}; this is one service's folder: give the spec folder {SPECS.as_posix()}",
        ),
        (
            (str(SPECS / "trtc/2019-07-22/service.yaml"), str(SPECS)),
            f"{SPECS.as_posix()}/trtc/2019-07-22/service.yaml: a spec file, not a spec folder; give the spec folder: {SPECS}",
        ),
        (
            (str(FIXTURES / "edge/common/errors.yaml"), str(SPECS)),
            f"{(FIXTURES / 'edge').as_posix()}/common/errors.yaml: a spec file, not a spec folder; "
            f"give the spec folder: {(FIXTURES / 'edge').as_posix()}",
        ),
        (
            ("--from", "tencentcloud", str(TENCENT), str(SPECS)),
            f"{SPECS.as_posix()}: no service versions in this folder {TENCENT_LAYOUT}; it holds spec files: use --from specs",
        ),
    ):
        assert cli.main(["diff", *argv, "--fail-on", "breaking"]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and problems(captured.err, "codegen diff") == [line]


def test_diff_against_a_revision_without_the_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    env = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    (repo / "README").parent.mkdir()
    (repo / "README").write_text("x\n")
    for args in (("init", "-q"), ("add", "."), (*env, "commit", "-q", "-m", "first")):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    specs = write_specs(repo / "specs")
    assert cli.main(["diff", "--git", "HEAD", str(specs)]) == 2
    assert problems(capsys.readouterr().err, "codegen diff") == [
        "HEAD:specs: no such folder at this revision; check the revision and the folder"
    ]


# --- the user's templates: their errors are theirs (the four cases, with worker processes)


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        (
            "client.py.jinja",
            '{% include "header.jinja" %}\n{% if service %}\nx = 1\n',
            "{t}/client.py.jinja:2: template syntax error: Unexpected end of template. Jinja was looking for the "
            "following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.",
        ),
        (
            "client.py.jinja",
            '{% include "header.jinja" %}\n\nNAME = {{ service.client_clas|pystr }}\n',
            "{t}/client.py.jinja:3: undefined: 'codegen.ir.ServiceVersion object' has no attribute 'client_clas'; "
            "docs/templates.md lists what each template is given",
        ),
        (
            "errors.py.jinja",
            '{% include "header.jinja" %}\n\ndef broken(:\n    pass\n',
            "tcsdk/cvm/v20170312/errors.py:4:12: not valid Python after rendering (invalid syntax); "
            "written by {t}/errors.py.jinja:3, fix it there",
        ),
        (
            "clinet.py.jinja",
            "",
            "{t}/clinet.py.jinja: templates: no template is read under this name, so it would be ignored; the names "
            "are 'client.py.jinja', 'common_init.py.jinja', 'aio.py.jinja', ",
        ),
    ],
    ids=["syntax", "undefined", "not-python", "misspelt"],
)
def test_errors_in_the_users_templates_are_theirs(name: str, text: str, line: str, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / name).write_text(text, "utf-8")
    out = tmp_path / "out"
    # Two service versions, two workers: the problem travels back from a worker process as data.
    result = run_codegen(
        "generate",
        "--specs",
        str(SPECS),
        "--out",
        str(out),
        "--templates",
        str(templates),
        "-q",
        "-j",
        "2",
        "--no-cache",
    )
    assert result.returncode == 2, result.stderr
    found = problems(result.stderr)
    expected = line.format(t=templates.as_posix())
    assert found[0] == expected or (expected.endswith(" ") and found[0].startswith(expected)), found
    assert "internal error" not in result.stderr
    assert not (out / "tcsdk").exists()
