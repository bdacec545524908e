"""The output manifest, user template overrides (--templates), their errors, and the model golden record."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen import cli, package_files
from codegen.config import load_defaults
from codegen.formatting import format_python
from codegen.ir import Field, TypeRef
from codegen.model_classes import format_note
from codegen.package_files import MODEL_TEMPLATE, template_dir
from codegen.pipeline import load_project
from codegen.render import MANIFEST, RUNTIME_MODULES, iter_service, render_common, runtime_files
from codegen.render import _environment as render_environment
from codegen.template_errors import line_origin, python_problem

from ..conftest import FIXTURES, SPECS
from ..golden import check_golden

EDGE = FIXTURES / "edge"
PAGING = FIXTURES / "paging"
MARK = "# marker: overridden"


def snapshot(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): p.read_text("utf-8")
        for p in sorted(out.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def generate(specs: Path, out: Path, *extra: str) -> int:
    return cli.main(
        ["generate", "--specs", str(specs), "--out", str(out), "--package", "tplpkg", "-q", "-j", "1", *extra]
    )


def builtin(name: str) -> str:
    return (template_dir() / name).read_text("utf-8")


def client_override(marker: str) -> str:
    """client.py.jinja with a comment line right after the header."""
    text = builtin("client.py.jinja")
    head = '{% include "header.jinja" %}\n'
    assert text.startswith(head)
    return head + f"{marker}\n" + text[len(head) :]


def model_override(marker: str) -> str:
    """The class template with a comment line closing each class body."""
    return builtin(MODEL_TEMPLATE).rstrip("\n") + "\n\n    " + marker + " {{ name }}\n"


# --- the manifest


def test_manifest_names_existing_templates_and_keeps_models_last() -> None:
    for entry in MANIFEST:
        if entry.kind in ("template", "models"):
            assert (template_dir() / entry.name).is_file(), entry
        if entry.kind == "runtime":
            assert (template_dir() / "runtime" / entry.name).is_file(), entry
    assert runtime_files("p") == [f"p/common/{m}" for m in RUNTIME_MODULES]
    runtime = template_dir() / "runtime"
    assert sorted(p.relative_to(runtime).as_posix() for p in runtime.rglob("*.py")) == sorted(RUNTIME_MODULES)
    versions = [e for e in MANIFEST if e.scope == "version"]
    assert versions[-1].kind == "models"
    project = load_project(PAGING)
    paths = [path for path, _ in iter_service(project.services[0], "p")]
    assert paths[-1] == "p/pager/v20210101/models.py"
    assert paths == [e.path.format(package="p", service_package="pager", module="v20210101") for e in versions]


def test_templates_take_names_from_the_ir() -> None:
    # Names changed in the IR alone reach every file: no template derives its own.
    (service,) = load_project(PAGING).services
    action = next(a for a in service.actions if a.pagination is not None)
    assert action.pagination is not None
    renamed = replace(
        action,
        constant="_RENAMED",
        error_enum="RenamedCodes",
        pagination=replace(action.pagination, constant="_RENAMED_PAGES"),
    )
    service = replace(
        service,
        error_enum="PagerCodes",
        client_class="Pager2",
        async_client_class="APager2",
        actions=tuple(renamed if a is action else a for a in service.actions),
    )
    files = {path.rsplit("/", 1)[1]: text for path, text in iter_service(service, "p")}
    for name in ("Pager2", "APager2", "_RENAMED", "_RENAMED_PAGES"):
        assert name in files["client.py"] and name in files["aio.py"], name
    assert "class Pager2(" in files["client.py"] and "class APager2(" in files["aio.py"]
    assert "PagerClient" not in files["client.py"] + files["aio.py"] + files["__init__.py"]
    assert "class PagerCodes(" in files["errors.py"] and "ServiceErrorCode" not in files["errors.py"]
    assert "class RenamedCodes(" in files["errors.py"] and f'"{action.name}": RenamedCodes,' in files["errors.py"]


def test_common_errors_keep_their_public_names_in_errors() -> None:
    project = load_project(PAGING)
    files = render_common(project.common_errors, project.categories, [s.index for s in project.services], "p")
    errors = format_python(files["p/common/errors.py"])
    for name in ("SDKError", "TencentCloudError", "ResponseShapeError", "TransportError", "CredentialsError"):
        assert f"    {name},\n" in errors and f'    "{name}",\n' in errors
    assert "class SDKError" not in errors and "class SDKError" in files["p/common/exceptions.py"]


# --- overrides


@pytest.mark.parametrize(
    ("template", "text", "changed"),
    [
        ("client.py.jinja", client_override(MARK), "tplpkg/demo/v20200101/client.py"),
        (MODEL_TEMPLATE, model_override(MARK), "tplpkg/demo/v20200101/models.py"),
    ],
    ids=["client", "model class"],
)
def test_an_override_changes_exactly_its_files(template: str, text: str, changed: str, tmp_path: Path) -> None:
    assert generate(EDGE, tmp_path / "plain", "--no-cache") == 0
    overrides = tmp_path / "templates"
    (overrides / template).parent.mkdir(parents=True)
    (overrides / template).write_text(text, "utf-8")
    assert generate(EDGE, tmp_path / "custom", "--no-cache", "--templates", str(overrides)) == 0
    plain, custom = snapshot(tmp_path / "plain"), snapshot(tmp_path / "custom")
    assert plain.keys() == custom.keys()
    assert [name for name in plain if plain[name] != custom[name]] == [changed]
    assert MARK in custom[changed]
    assert format_python(custom[changed]) == custom[changed]
    compile(custom[changed], changed, "exec")


def test_worker_processes_render_with_the_overrides(tmp_path: Path) -> None:
    # Two service versions and two workers: each version is rendered in a worker process.
    overrides = tmp_path / "templates"
    overrides.mkdir()
    (overrides / "client.py.jinja").write_text(client_override(MARK), "utf-8")
    out = tmp_path / "out"
    assert generate(SPECS, out, "--no-cache", "--templates", str(overrides), "-j", "2") == 0
    clients = sorted((out / "tplpkg").glob("*/*/client.py"))
    assert len(clients) == 2 and all(MARK in path.read_text("utf-8") for path in clients)


@pytest.mark.slow
@pytest.mark.parametrize("override", [False, True])
def test_one_service_version_with_two_workers_gives_the_same_bytes(tmp_path: Path, override: bool) -> None:
    # One version, two workers: the models are rendered in one worker while
    # this process renders the other files for the pool, then both workers
    # format a part of the models. With the built-in templates errors.py,
    # client.py, aio.py and __init__.py are not formatted at all (their
    # templates lay them out as black would); with an override, every file is.
    extra: tuple[str, ...] = ()
    if override:
        overrides = tmp_path / "templates"
        (overrides / MODEL_TEMPLATE).parent.mkdir(parents=True)
        (overrides / MODEL_TEMPLATE).write_text(model_override(MARK), "utf-8")
        extra = ("--templates", str(overrides))
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        assert generate(EDGE, out, "--no-cache", *extra, "-j", jobs) == 0
        outputs[jobs] = snapshot(out)
    assert outputs["1"] == outputs["2"]
    models = next(text for name, text in outputs["2"].items() if name.endswith("models.py"))
    assert (MARK in models) == override
    assert all(format_python(text) == text for name, text in outputs["2"].items() if name.endswith(".py"))


def test_the_templates_key_of_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    (project / "tpl").mkdir(parents=True)
    (project / "tpl" / "client.py.jinja").write_text(client_override(MARK), "utf-8")
    (project / "pyproject.toml").write_text(
        f'[tool.codegen]\nspecs = "{EDGE.as_posix()}"\nout = "out"\npackage = "tplpkg"\ntemplates = "tpl"\n', "utf-8"
    )
    (project / "sub").mkdir()
    monkeypatch.chdir(project / "sub")
    assert load_defaults(Path.cwd()).templates == project / "tpl"
    assert cli.main(["generate", "-q", "-j", "1", "--no-cache"]) == 0
    assert MARK in (project / "out" / "tplpkg" / "demo" / "v20200101" / "client.py").read_text("utf-8")


def test_changing_an_override_regenerates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, cache, overrides = tmp_path / "out", tmp_path / "cache", tmp_path / "templates"
    (overrides / "models").mkdir(parents=True)
    client, models = overrides / "client.py.jinja", overrides / MODEL_TEMPLATE
    run = ["--cache-dir", str(cache), "--templates", str(overrides)]

    def generate_and_read() -> tuple[str, str, str]:
        capsys.readouterr()
        assert generate(EDGE, out, *run) == 0
        folder = out / "tplpkg" / "demo" / "v20200101"
        return (
            (folder / "client.py").read_text("utf-8"),
            (folder / "models.py").read_text("utf-8"),
            capsys.readouterr().err,
        )

    client.write_text(client_override("# marker: one"), "utf-8")
    models.write_text(model_override("# marker: first"), "utf-8")
    first = generate_and_read()
    assert "# marker: one" in first[0] and "# marker: first" in first[1] and "from the cache" not in first[2]
    assert "(1 from the cache)" in generate_and_read()[2]
    # In the same process too: datamodel-code-generator must not keep the old class template.
    client.write_text(client_override("# marker: two"), "utf-8")
    models.write_text(model_override("# marker: second"), "utf-8")
    second = generate_and_read()
    assert "# marker: two" in second[0] and "# marker: one" not in second[0]
    assert "# marker: second" in second[1] and "# marker: first" not in second[1]
    assert "from the cache" not in second[2]
    # A file that replaces no built-in template (say, a macro the others include) counts too.
    client.write_text('{% include "helpers.jinja" %}\n' + client_override("# marker: two"), "utf-8")
    (overrides / "helpers.jinja").write_text("{# one #}\n", "utf-8")
    assert "from the cache" not in generate_and_read()[2]
    (overrides / "helpers.jinja").write_text("{# two #}\n", "utf-8")
    assert "from the cache" not in generate_and_read()[2]


def test_runtime_modules_cannot_be_overridden(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    overrides = tmp_path / "templates"
    (overrides / "runtime").mkdir(parents=True)
    (overrides / "runtime" / "retry.py").write_text("", "utf-8")
    assert generate(EDGE, tmp_path / "out", "--no-cache", "--templates", str(overrides)) == 2
    err = capsys.readouterr().err
    assert f"{overrides / 'runtime'}: templates: the runtime modules are copied as they are" in err
    assert not (tmp_path / "out" / "tplpkg").exists()
    assert generate(EDGE, tmp_path / "out", "--no-cache", "--templates", str(tmp_path / "missing")) == 2
    assert f"{tmp_path / 'missing'}: templates: not a folder" in capsys.readouterr().err


# --- what the model template is given


def test_format_is_stated_in_the_attribute_docstring() -> None:
    assert format_note(TypeRef("scalar", "int", "uint64")) == "Format: uint64."
    assert format_note(TypeRef("list", "", item=TypeRef("scalar", "float", "double"))) == "Format of each item: double."
    assert format_note(TypeRef("scalar", "str")) == ""
    project = load_project(EDGE)
    (service,) = project.services
    models = format_python(dict(iter_service(service, "p"))["p/demo/v20200101/models.py"])
    fields = {f.wire_name: f for obj in service.types for f in obj.fields}
    fields |= {f.wire_name: f for a in service.actions for f in (*a.request.fields, *a.response.fields)}
    big: Field = fields["Big"]
    assert big.type.format == "uint64"
    assert f'{big.py_name}: int | None = _field(name="Big", default=None)\n    """Format: uint64."""' in models


@pytest.mark.golden
def test_models_of_the_edge_fixture_match_the_golden_record() -> None:
    """Model rendering end to end (IR, datamodel-code-generator, our class template, black)."""
    project = load_project(EDGE)
    (service,) = project.services
    files = dict(iter_service(service, "edgepkg"))
    check_golden("models-edge", {"models.py": format_python(files["edgepkg/demo/v20200101/models.py"])})


# --- errors in the user's templates (the command-line cases are in test_user_mistakes.py)


def _with_overrides(tmp_path: Path, files: dict[str, str]) -> tuple[int, Path]:
    """Generate the edge fixture with ``files`` as the override folder: the exit code and the folder."""
    overrides = tmp_path / "templates"
    for name, text in files.items():
        (overrides / name).parent.mkdir(parents=True, exist_ok=True)
        (overrides / name).write_text(text, "utf-8")
    return generate(EDGE, tmp_path / "out", "--no-cache", "--templates", str(overrides)), overrides


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {MODEL_TEMPLATE: builtin(MODEL_TEMPLATE).replace("{{ base }}", "{{ bse }}")},
            "{t}/models/msgspec.jinja2:5: undefined: 'bse' is not given to this template; it gets base, base_class, ",
        ),
        (
            {MODEL_TEMPLATE: builtin(MODEL_TEMPLATE).replace("class {{ name }}", "klass {{ name }}")},
            "{t}/models/msgspec.jinja2: the class template wrote code that is not valid Python (invalid syntax: "
            "'klass ",
        ),
        (
            {MODEL_TEMPLATE: builtin(MODEL_TEMPLATE).replace("class {{ name }}", "class Fixed")},
            "{t}/models/msgspec.jinja2: the class template wrote no line 'class <name>(' for ",
        ),
        (
            {"client.py.jinja": '{% include "header.jinja" %}\n{% include "helpers.jinja" %}\n'},
            "{t}/client.py.jinja:2: no template 'helpers.jinja' in {t} or among the built-in ones",
        ),
        (
            # The user's template calls a built-in macro wrongly: the user's line, and where it failed.
            {
                "client.py.jinja": '{% from "client_class.jinja" import client_class %}\n{{ client_class(None, False) }}\n'
            },
            "{t}/client.py.jinja:2: undefined: 'None' has no attribute 'client_class'; docs/templates.md lists what "
            "each template is given (in the built-in client_class.jinja, line ",
        ),
        ({"header.jinja": "# {{ 1 / 0 }}\n"}, "{t}/header.jinja:1: ZeroDivisionError: division by zero"),
    ],
    ids=["class-undefined", "class-not-python", "class-unnamed", "missing-include", "builtin-macro", "expression"],
)
def test_a_users_template_failing_is_their_problem(
    files: dict[str, str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, overrides = _with_overrides(tmp_path, files)
    err = capsys.readouterr().err
    assert code == 2, err
    first = err.splitlines()[0]
    assert first.startswith(expected.format(t=overrides.as_posix())), first
    assert not (tmp_path / "out" / "tplpkg").exists()


def test_files_the_templates_use_are_not_unused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    helper = '{% include "header.jinja" %}\n{% include "parts/helper.jinja" %}\n'
    files = {
        "client.py.jinja": client_override("# marker"),
        "version_init.py.jinja": builtin("version_init.py.jinja"),
        "parts/helper.jinja": "",
        "errors.py.jinja": helper + builtin("errors.py.jinja").removeprefix('{% include "header.jinja" %}\n'),
        ".editor-swap": "hidden files are not templates",
        ".git/config": "",
    }
    code, _ = _with_overrides(tmp_path, files)
    assert code == 0, capsys.readouterr().err
    # A name chosen at render time may read any file: nothing is called unused then.
    dynamic = {"client.py.jinja": client_override("{% include service.module ~ '.jinja' ignore missing %}")}
    code, _ = _with_overrides(tmp_path / "dynamic", {**dynamic, "anything.txt": ""})
    assert code == 0, capsys.readouterr().err


def test_an_unused_override_names_the_closest_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, overrides = _with_overrides(tmp_path, {"models/msgspec.jinja": "", "erors.py.jinja": ""})
    assert code == 2
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(": templates: ")[0] for line in lines[:-1]] == [
        f"{overrides.as_posix()}/erors.py.jinja",
        f"{overrides.as_posix()}/models/msgspec.jinja",
    ]
    assert lines[0].split("the names are ")[1].startswith("'errors.py.jinja', ")
    assert lines[1].split("the names are ")[1].startswith("'models/msgspec.jinja2', ")


def test_an_error_in_a_built_in_template_stays_a_bug(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    builtins = tmp_path / "builtin"
    shutil.copytree(template_dir(), builtins)
    (builtins / "errors.py.jinja").write_text('{% include "header.jinja" %}\nX = {{ service.nope }}\n', "utf-8")
    monkeypatch.setattr(package_files, "template_dir", lambda: builtins)
    overrides = tmp_path / "templates"
    overrides.mkdir()
    (overrides / "client.py.jinja").write_text(client_override(MARK), "utf-8")
    for extra in ((), ("--templates", str(overrides))):
        assert generate(EDGE, tmp_path / "out", "--no-cache", *extra) == 3
        assert "internal error, please report it: UndefinedError" in capsys.readouterr().err


# A template line: literal Python (a unique name from its line number), a value
# written by an expression, or a block around more lines; one line is broken.
_LINE = st.sampled_from(["literal", "expression", "if", "for", "blank"])


@st.composite
def _templates(draw: st.DrawFn) -> tuple[str, int]:
    """A template whose output has exactly one line that is not Python, and that line's template line."""
    kinds = draw(st.lists(_LINE, min_size=1, max_size=12))
    broken_at = draw(st.integers(0, len(kinds) - 1))
    lines: list[str] = []
    broken_line = 0

    def emit(kind: str, broken: bool, depth: int) -> None:
        nonlocal broken_line
        number = len(lines) + 1
        indent = " " * draw(st.integers(0, 2))  # lstrip_blocks takes it off block tags
        if kind in ("if", "for"):
            lines.append(indent + ("{% if flag %}" if kind == "if" else "{% for i in items %}"))
            inner = draw(st.lists(_LINE.filter(lambda k: k not in ("if", "for")), min_size=1, max_size=3))
            for index, each in enumerate(inner):
                emit(each, broken and index == 0, depth + 1)
            lines.append(indent + ("{% endif %}" if kind == "if" else "{% endfor %}"))
            return
        if broken:
            broken_line = number
            lines.append(f"def broken_{number}(:" if kind != "expression" else f"v{number} = {{{{ bad }}}}")
        elif kind == "literal":
            lines.append(f"x{number} = {number}")
        elif kind == "expression":
            lines.append(f"v{number} = {{{{ value }}}}")
        else:
            lines.append("")

    for index, kind in enumerate(kinds):
        emit(kind, index == broken_at, 0)
    return "\n".join(lines) + "\n", broken_line


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=_templates())
def test_output_that_is_not_python_is_traced_to_the_template_line_that_wrote_it(
    case: tuple[str, int], tmp_path: Path
) -> None:
    text, broken_line = case
    folder = tmp_path / "t"
    folder.mkdir(exist_ok=True)
    (folder / "t.jinja").write_text(text, "utf-8")
    env = render_environment((folder,))
    env.cache = None  # each example writes the file anew
    context = {"flag": True, "items": [1, 2], "value": 5, "bad": "(:"}
    rendered = env.get_template("t.jinja").render(**context)
    error = python_problem("t.py", rendered)
    assert error is not None and error.lineno is not None, rendered
    origin = line_origin(env, "t.jinja", context, rendered, error.lineno, error.offset or 1)
    assert origin == ((folder / "t.jinja").as_posix(), broken_line), (text, rendered, error)
