"""Regeneration after a small edit: the model classes of the last run are reused
by content, and the output is the bytes a cold run makes (codegen/model_chunks.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen import model_classes, units
from codegen.cache import Cache
from codegen.model_chunks import assemble, chunks, pointer_key, previous, record
from codegen.model_classes import ClassOrder
from codegen.pipeline import Options, generate

from ..conftest import ROOT, SHARED

DEMO = ROOT / "tests" / "fixtures" / "tencent" / "demo" / "v20200101"


def _files(specs: Path, cache_dir: Path | None) -> dict[str, str]:
    options = Options(specs, specs / "out", "tcsdk", source_format="tencentcloud", jobs=1, cache_dir=cache_dir)
    return generate(options, lambda message: None).files


def _copy(tmp: Path) -> tuple[Path, Path]:
    """A copy of the demo input and its api.json."""
    specs = tmp / "specs"
    shutil.copytree(DEMO, specs / "demo" / "v20200101")
    return specs, specs / "demo" / "v20200101" / "api.json"


def _edit(api: Path, change: Any) -> None:
    data = json.loads(api.read_text("utf-8"))
    change(data)
    api.write_text(json.dumps(data, ensure_ascii=False), "utf-8")


def _widget_doc(data: dict[str, Any]) -> None:
    data["objects"]["Widget"]["members"][0]["document"] = "The widget's new ID."


def _widget_field(data: dict[str, Any]) -> None:
    added = {"name": "Colour", "type": "string", "member": "string", "required": False}
    data["objects"]["Widget"]["members"].insert(0, added | {"document": "The widget's new ID."})


@pytest.mark.parametrize("change", [_widget_doc, _widget_field], ids=["field doc", "string field added"])
def test_a_field_edit_formats_that_class_alone_without_datamodel_code_generator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Any
) -> None:
    specs, api = _copy(tmp_path)
    cache_dir = tmp_path / "cache"
    _files(specs, cache_dir)
    _edit(api, change)
    formatted: list[str] = []
    real_format = units._format

    def counted(text: str) -> str:
        formatted.append(text)
        return real_format(text)

    def no_dmcg(*args: object) -> list[str]:
        raise AssertionError("datamodel-code-generator ran for an edit of no reference")

    monkeypatch.setattr(units, "_format", counted)
    monkeypatch.setattr(model_classes, "_dmcg", no_dmcg)
    warm = _files(specs, cache_dir)
    monkeypatch.undo()
    assert len(formatted) == 1 and formatted[0].startswith("class Widget(")
    assert "The widget's new ID." in formatted[0]
    assert warm == _files(specs, None)


# One edit of the demo's api.json: a kind and where, chosen by index.
edits = st.tuples(
    st.sampled_from(["action doc", "member doc", "drop member", "add member", "class doc", "rename type"]),
    st.integers(0, 50),
    st.integers(0, 50),
    st.text(st.characters(blacklist_categories=["Cs"]), max_size=30),
)


def _apply(data: dict[str, Any], kind: str, first: int, second: int, text: str) -> None:
    actions, objects = data["actions"], data["objects"]
    if kind == "action doc":
        action = actions[sorted(actions)[first % len(actions)]]
        action["document"] = f"{action['document']} {text}".strip()
        return
    if kind == "rename type":  # the same shapes under another name: the classes' order is not the old one's
        shared = [name for name in sorted(objects) if not name.endswith(("Request", "Response"))]
        old = shared[first % len(shared)]
        objects[f"{old}Renamed"] = objects.pop(old)
        for member in (m for obj in objects.values() for m in obj["members"]):
            member["member"] = f"{old}Renamed" if member.get("member") == old else member.get("member")
        return
    owner = objects[sorted(objects)[first % len(objects)]]
    members = owner["members"]
    if kind == "class doc":
        owner["document"] = text or "Changed."
    elif kind == "add member":
        members.append(
            {"name": f"Added{len(members)}", "type": "string", "member": "string", "required": False, "document": text}
        )
    elif members and kind == "member doc":
        members[second % len(members)]["document"] = text
    elif members and kind == "drop member" and members[second % len(members)]["name"] != "RequestId":
        del members[second % len(members)]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(edits, min_size=1, max_size=4))
def test_each_edit_regenerates_to_the_bytes_of_a_cold_run(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, int, int, str]]
) -> None:
    tmp = tmp_path_factory.mktemp("edits")
    specs, api = _copy(tmp)
    cache_dir = tmp / "cache"
    _files(specs, cache_dir)
    for step in steps:
        _edit(api, lambda data, step=step: _apply(data, *step))
        assert _files(specs, cache_dir) == _files(specs, None), step


def test_a_models_file_not_laid_out_as_header_then_classes_is_not_cut() -> None:
    classes = ["class A(_model.Model):\n    pass", "class B(_model.Model):\n    pass"]
    header = '"""Doc."""\n\n__all__ = ["A", "B"]\n\n\n'
    assert chunks(header + "\n\n\n".join(classes) + "\n", classes) == [header, classes[0], classes[1] + "\n"]
    assert chunks(header + "\n\n\n".join(classes) + "\nx = 1\n", classes) is None  # text after the classes
    assert chunks("# a comment\n" + "\n\n\n".join(classes), classes) is None  # no blank line before the first
    assert chunks(header, []) is None


def test_a_record_is_made_only_when_every_class_is_where_black_puts_it() -> None:
    parts = ['"""Doc."""\n\n\n', "class A(_model.Model):\n    pass", "class B(_model.Model):\n    pass\n"]
    text = '"""Doc."""\n\n\nclass A(_model.Model):\n    pass\n\n\nclass B(_model.Model):\n    pass\n'
    made = record("m.py", parts, text, ClassOrder("k", ("A", "B"), True))
    assert made is not None and [text[begin:end] for _, begin, end in made["spans"]] == [
        '"""Doc."""\n',
        "class A(_model.Model):\n    pass\n",
        "class B(_model.Model):\n    pass\n",
    ]
    assert record("m.py", parts, text, ClassOrder("k", ("A", "C"), True)) is None
    docstring_with_a_class = '"""Doc.\n\n\nclass Z(x):\n"""\n\n\n' + text[len('"""Doc."""\n\n\n') :]
    assert record("m.py", parts, docstring_with_a_class, ClassOrder("k", ("A", "B"), True)) is None
    known = {span[0]: text[span[1] : span[2]] for span in made["spans"]}
    assert assemble(parts, known, lambda part: pytest.fail("formatted again")) == text


@pytest.mark.parametrize(
    "damage",
    [
        lambda m: m.update(spans=[["x", 0, 10**9]]),
        lambda m: m.update(spans=[["x", 5, 1]]),
        lambda m: m.update(spans=[["x", "0", 1]]),
        lambda m: m.update(names="A"),
        lambda m: m.update(direct="yes"),
        lambda m: m.update(foreseen=1),
        lambda m: m.pop("foreseen"),
        lambda m: m.update(path="elsewhere.py"),
    ],
)
def test_a_record_of_the_wrong_shape_is_not_used(tmp_path: Path, damage: Any) -> None:
    cache = Cache(tmp_path)
    models = {"path": "m.py", "key": "k", "names": ["A"], "direct": True, "foreseen": False, "spans": [["d", 0, 3]]}
    cache.put("service", "s", {"files": {"m.py": "abcdef"}, "models": models})
    cache.put("latest", "p", {"service": "s"})
    found = previous(cache, "p")
    assert found is not None and found.formatted == {"d": "abc"} and found.order.names == ("A",)
    damage(models)
    cache.put("service", "s", {"files": {"m.py": "abcdef"}, "models": models})
    assert previous(cache, "p") is None


def test_a_pointer_is_per_service_version_and_run_options() -> None:
    assert pointer_key("base", "cvm/v20170312") != pointer_key("base", "cvm/v20170313")
    assert pointer_key("base", "cvm/v20170312") != pointer_key("other", "cvm/v20170312")


CORPUS = SHARED / "tencentcloud-api"


@pytest.mark.slow
@pytest.mark.skipif(not (CORPUS / "index.json").is_file(), reason="../shared corpus is not present")
def test_the_class_template_rendered_alone_is_what_dmcg_writes_in_every_corpus_service_version() -> None:
    # So a docstring edit skips datamodel-code-generator in every one of them,
    # and so does a field added wherever the classes have no cycle.
    from codegen.class_order import passes_order
    from codegen.package_files import template_dir
    from codegen.pipeline import load_project

    folder = template_dir() / "models"
    for service in load_project(CORPUS, "tencentcloud").services:
        run = model_classes.ModelsRun()
        text = model_classes.render_models(service, folder, run)
        assert run.order is not None and run.order.direct, f"{service.service} {service.version}"
        assert run.order.foreseen == (passes_order(model_classes.object_types(service)) is not None), service.service
        again = model_classes.ModelsRun(run.order)
        assert model_classes.render_models(service, folder, again) == text and again.classes == run.classes


# Differential: dmcg's order of the classes rests on order_shape alone, is the
# order of passes_order when no classes refer to each other in a cycle, and
# its fields come out as our template renders them. Random classes refer to
# each other (with cycles or without), then one field changes, or a class is
# added anywhere, dropped or renamed; the render that reuses the first run's
# order must be the bytes dmcg writes for the changed classes.
_CLASS_NAMES = ["Widget", "Model", "M0", "M1", "Struct", "Field", "Node", "Base", "Config", "Thing", "Item", "List"]
_WIRE_NAMES = st.one_of(
    st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True),
    st.sampled_from(["M0", "M1", "Model", "Struct", "Field", "field", "fields", "class", "None", "self", "Config"]),
)
_SCALARS = ["str", "int", "float", "bool"]
_EDITS = ["add", "drop", "optional", "retype", "rename", "add reference", "drop reference"] + [
    "add class",
    "drop class",
    "rename class",
]


def _type(draw: st.DrawFn, targets: list[int], scalar: bool) -> Any:
    """A field's type; a class it refers to is one of ``targets`` (by index)."""
    from codegen.ir import TypeRef

    if draw(st.booleans()):
        return TypeRef("list", "", item=_type(draw, targets, scalar))
    if scalar or not targets or not draw(st.booleans()):
        return TypeRef("scalar", draw(st.sampled_from(_SCALARS)))
    return TypeRef("object", f"#{draw(st.sampled_from(targets))}")


def _field(draw: st.DrawFn, targets: list[int], taken: set[str], scalar: bool) -> Any:
    from codegen.ir import Field
    from codegen.naming import attribute_name

    wire = draw(_WIRE_NAMES.filter(lambda w: attribute_name(w) not in taken))
    taken.add(attribute_name(wire))
    item = _type(draw, targets, scalar)
    # A required reference could close a required cycle, which build refuses.
    required = draw(st.booleans()) and "#" not in item.annotation
    return Field(wire, attribute_name(wire), item, required, False, f"{wire} doc")


def _refers(item: Any) -> bool:
    return "#" in item.type.annotation


@st.composite
def _classes_and_edit(draw: st.DrawFn) -> tuple[list[Any], list[Any], bool]:
    """Classes, the same classes with one change, and whether it was to a field of a scalar type.

    A class is known by a number (its index when drawn), which references
    hold (``#3``) until the classes are made; ``order`` lists the numbers in
    input order and ``names`` gives each its name.
    """
    from dataclasses import replace

    from codegen.ir import ObjectType

    drawn = draw(st.lists(st.sampled_from(_CLASS_NAMES), min_size=1, max_size=9, unique=True))
    names = dict(enumerate(drawn))
    order = list(names)
    # Without cycles, a class refers only to itself and to classes of a lower rank.
    rank = draw(st.permutations(order)) if draw(st.booleans()) else None

    def targets(at: int) -> list[int]:
        return [j for j in order if rank is None or j == at or (j < len(rank) and rank[j] < rank[at])]

    fields = {}
    for at in order:
        taken: set[str] = set()
        fields[at] = [_field(draw, targets(at), taken, scalar=False) for _ in range(draw(st.integers(0, 5)))]
    new_order, new_names, table = list(order), dict(names), {at: list(own) for at, own in fields.items()}
    kind = draw(st.sampled_from(_EDITS))
    at = draw(st.sampled_from(order))
    edited = table[at]
    scalars = [i for i, f in enumerate(edited) if not _refers(f)]
    references = [i for i, f in enumerate(edited) if _refers(f)]
    unnamed = [n for n in _CLASS_NAMES if n not in names.values()]
    referred = {f.type.annotation.rsplit("#", 1)[-1].rstrip("]") for o in order for f in fields[o] if _refers(f)}
    alone = [o for o in order if str(o) not in referred]
    if kind in ("add class", "rename class") and unnamed:
        if kind == "rename class":
            new_names[at] = draw(st.sampled_from(unnamed))
        else:  # anywhere in the input order, referring to any class (no cycle: none refers to it)
            added = len(names)
            new_names[added] = draw(st.sampled_from(unnamed))
            new_order.insert(draw(st.integers(0, len(order))), added)
            table[added] = [_field(draw, [*order, added], set(), scalar=False)]
    elif kind == "drop class" and alone and len(order) > 1:
        new_order.remove(draw(st.sampled_from(alone)))
    elif kind == "drop reference" and references:
        del edited[draw(st.sampled_from(references))]
    elif kind in ("drop", "optional", "retype", "rename") and scalars:
        i = draw(st.sampled_from(scalars))
        if kind == "drop":
            del edited[i]
        elif kind == "optional":
            edited[i] = replace(edited[i], required=not edited[i].required)
        elif kind == "retype":
            edited[i] = replace(edited[i], type=_type(draw, [], scalar=True))
        else:
            taken = {f.py_name for j, f in enumerate(edited) if j != i}
            edited[i] = replace(_field(draw, [], taken, scalar=True), type=edited[i].type)
    else:
        taken = {f.py_name for f in edited}
        edited.insert(draw(st.integers(0, len(edited))), _field(draw, targets(at), taken, kind == "add"))

    def objects(order: list[int], names: dict[int, str], table: dict[int, list[Any]]) -> list[Any]:
        def named(item: Any) -> Any:
            if item.kind == "list":
                return replace(item, item=named(item.item))
            return replace(item, name=names[int(item.name[1:])]) if item.kind == "object" else item

        return [
            ObjectType(
                names[at], f"The {names[at]}.", tuple(replace(f, type=named(f.type)) for f in table[at]), "shared"
            )
            for at in order
        ]

    changed = {f for own in table.values() for f in own} ^ {f for own in fields.values() for f in own}
    same_classes = new_order == order and new_names == names
    scalar_edit = same_classes and not any(_refers(f) for f in changed)
    return objects(order, names, fields), objects(new_order, new_names, table), scalar_edit


def _service(types: list[Any]) -> Any:
    from codegen.ir import ServiceVersion

    return ServiceVersion("demo", "2020-01-01", "demo", "v20200101", "C", "AC", "T", "D", "e", tuple(types), (), ())


@settings(max_examples=60, deadline=None)
@given(_classes_and_edit())
def test_an_order_reused_or_foreseen_after_an_edit_is_what_dmcg_writes(
    case: tuple[list[Any], list[Any], bool],
) -> None:
    from codegen.class_order import passes_order
    from codegen.package_files import template_dir

    before, after, scalar_edit = case
    folder = template_dir() / "models"
    first = model_classes.ModelsRun()
    model_classes.render_models(_service(before), folder, first)
    assert first.order is not None and first.order.direct
    # dmcg's order is the passes' wherever there is no cycle.
    assert first.order.foreseen == (passes_order(before) is not None)
    runs, real = [], model_classes._dmcg
    model_classes._dmcg = lambda *args: runs.append(args) or real(*args)  # type: ignore[assignment]
    try:
        reused = model_classes.render_models(_service(after), folder, model_classes.ModelsRun(first.order))
    finally:
        model_classes._dmcg = real  # type: ignore[assignment]
    assert not runs or not (scalar_edit or (first.order.foreseen and passes_order(after) is not None))
    assert reused == model_classes.render_models(_service(after), folder)
