"""The pre-laid-out statements: black leaves them as they are and never formats them differently."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from codegen.formatting import format_python
from codegen.layout import (
    assign,
    call,
    from_import,
    generic_call,
    listing,
    may_need_black,
    parameter_line,
    signature,
    statement,
    wrapped,
)
from codegen.units import formatted


def _nested(statement: str, indent: int) -> str:
    """``statement`` (its first line not indented) inside classes nested ``indent // 4`` deep."""
    head = "".join(" " * (4 * level) + f"class C{level}:\n" for level in range(indent // 4))
    return head + " " * indent + statement + "\n"


@pytest.mark.parametrize("indent", [0, 4, 8])
def test_assignments_of_every_length_are_black_clean(indent: int) -> None:
    for length in range(1, 130, 2):
        target, value = "A" * max(1, length // 3), '"' + "b" * length + '"'
        laid = _nested(assign(target, value, indent), indent)
        plain = _nested(f"{target} = {value}", indent)
        assert format_python(laid) == laid == format_python(plain), laid


@pytest.mark.parametrize("indent", [0, 4, 8])
def test_calls_format_as_black_would_and_common_shapes_are_clean(indent: int) -> None:
    chosen = random.Random(indent)
    clean = 0
    for _ in range(150):
        name = "x" * chosen.randint(1, 50)
        annotation = chosen.choice(["int | None", "list[SomeTypeName] | None", "str", "list[Item]"])
        arguments = [f'name="{"W" * chosen.randint(1, 70)}"'] + ["default=None"] * chosen.randint(0, 2)
        laid = _nested(call(f"{name}: {annotation}", "_field", arguments, indent), indent)
        plain = _nested(f"{name}: {annotation} = _field({', '.join(arguments)})", indent)
        # Never a different result: a guess that black disagrees with is still formatted by it.
        assert format_python(laid) == format_python(plain), laid
        clean += format_python(laid) == laid
    assert clean >= 120


@pytest.mark.parametrize("indent", [0, 4])
@pytest.mark.parametrize("brackets", ["[]", "{}"])
def test_collection_literals_of_every_length_are_black_clean(indent: int, brackets: str) -> None:
    for count in range(0, 8):
        for width in (3, 9, 17):
            items = [f'"{chr(97 + i) * width}"' + (': "v"' if brackets == "{}" else "") for i in range(count)]
            laid = _nested(listing("__all__", items, indent, brackets), indent)
            plain = _nested(f"__all__ = {brackets[0]}{', '.join(items)}{brackets[1]}", indent)
            assert format_python(laid) == laid == format_python(plain), laid


def test_long_parameter_annotations_format_as_black_would() -> None:
    chosen = random.Random(3)
    clean = 0
    for _ in range(120):
        name = "p" * chosen.randint(1, 40)
        annotation = f"list[_models.{'T' * chosen.randint(1, 70)}] | None"
        default = chosen.choice([" = None", ""])
        parameter = f"{name}: {annotation}{default}"
        laid = f"class C:\n    def f(\n        self,\n{parameter_line(parameter, 8)}    ) -> None: ...\n"
        plain = f"class C:\n    def f(\n        self,\n        {parameter},\n    ) -> None: ...\n"
        assert format_python(laid) == format_python(plain), laid
        if default and 12 + len(annotation) <= 88:  # the case parameter_line lays out
            assert format_python(laid) == laid
            clean += 1
    assert clean >= 30


def test_long_required_parameters_have_their_subscript_split_as_black_would() -> None:
    chosen = random.Random(5)
    for _ in range(120):
        name = "p" * chosen.randint(1, 60)
        inner = f"_models.{'T' * chosen.randint(1, 90)}"
        annotation = chosen.choice([f"list[{inner}]", f"list[list[{inner}]]", f"dict[str, {inner}]", inner])
        laid = f"class C:\n    def f(\n        self,\n{parameter_line(f'{name}: {annotation}', 8)}    ) -> None: ...\n"
        plain = f"class C:\n    def f(\n        self,\n        {name}: {annotation},\n    ) -> None: ...\n"
        assert format_python(laid) == format_python(plain), laid
        if not annotation.startswith("dict") or 12 + len(inner) + 5 <= 88:  # all but several types too long
            assert format_python(laid) == laid, laid


@pytest.mark.parametrize("indent", [4, 8])
def test_long_return_annotations_are_split_at_their_subscript_as_black_would(indent: int) -> None:
    chosen = random.Random(indent)
    for _ in range(100):
        inner = f"_models.{'R' * chosen.randint(1, 90)}"
        annotation = chosen.choice([f"Iterator[{inner}]", f"AsyncIterator[list[{inner}]]", inner])
        parameters = chosen.choice([["self", "request: _models.Request", "/"], ["self", f"request: {inner}", "/"]])
        tail = chosen.choice([f" -> {annotation}: ...", f" -> {annotation}:\n{' ' * (indent + 4)}return x"])
        method = "def " + "f" * chosen.randint(1, 30)
        laid = _nested(signature(method, parameters, tail, indent), indent)
        plain = _nested(f"{method}({', '.join(parameters)}){tail}", indent)
        assert format_python(laid) == format_python(plain), laid
        assert format_python(laid) == laid, laid


def test_only_the_long_lines_a_layout_rule_leaves_long_skip_black() -> None:
    long_name, atom = "n" * 90, "_models." + "T" * 90
    assert not may_need_black("x = 1\n")
    # The shapes the layout rules leave long, as black does: nothing in them to split.
    for line in [
        f"        {atom},",
        f"            {atom}",
        f'    "{long_name}": {atom},',
        f'    "{long_name}": {atom}',
        f"        {long_name}: {atom},",
        f'        {long_name}="{long_name}",',
        f'        == "{long_name}"',
        f"    async def {long_name}(",
        f"class {long_name}(",
        f"{long_name} = _client.Action(",
        f"        {long_name}: list[",
        f"{long_name}: (",
        f'    {long_name} = "{long_name}"',  # the string fits no line of its own either
        f"        return {long_name}",
        f"# {long_name} {long_name}",
    ]:
        assert not may_need_black(line + "\n"), line
    # Any other long line of code goes through black: black may split or wrap it.
    for line in [
        f"        request: {atom} | None = None,",  # issue 21: black wraps and splits the annotation
        f"        {long_name}: list[_models.T],",
        f"def f():\n    return g({long_name})",
        f'    {long_name[:40]} = "{long_name[:50]}"',  # the string fits a line of its own
        f"        return {long_name[:76]}",
        f"    if name == {long_name}:",
        f"    from .aio import {long_name}",
        f"    x = {long_name} + {long_name}",
    ]:
        assert may_need_black(line + "\n"), line
    # Docstrings are left as they are, however long.
    assert not may_need_black(f'"""Text ({long_name}) in a docstring."""\n')
    assert not may_need_black(f'def f():\n    """First.\n\n    more ({long_name})\n    """\n')
    assert may_need_black(f'def f():\n    """First.\n\n    more\n    """\n    return g({long_name})\n')


@pytest.mark.parametrize("indent", [0, 4, 8])
def test_imports_of_every_length_format_as_black_would(indent: int) -> None:
    for length in range(1, 130, 3):
        names = ["A" * length] if length % 2 else ["A" * length, "B" * (length // 3 + 1)]
        laid = _nested(from_import(".aio", names, indent), indent)
        plain = _nested(f"from .aio import {', '.join(names)}", indent)
        assert format_python(laid) == laid == format_python(plain), laid


@pytest.mark.parametrize("indent", [4, 8])
def test_wrapped_conditions_and_returns_format_as_black_would(indent: int) -> None:
    for length in range(1, 130, 3):
        value = '"' + "A" * length + '"'
        for head, operands, tail in [("if ", ["name", f"== {value}"], ":"), ("return ", [value], "")]:
            body = "\n" + " " * (indent + 4) + "pass" if tail else ""
            laid = _nested(wrapped(head, operands, tail, indent) + body, indent)
            plain = _nested(head + " ".join(operands) + tail + body, indent)
            assert format_python(laid) == laid == format_python(plain), laid


def test_long_optional_parameters_are_wrapped_and_split_as_black_would() -> None:
    # A default: black puts the annotation in parentheses, and splits it at
    # its "| None" and its subscripts when it does not fit there either.
    for length in range(1, 140, 4):
        for inner in (
            "_models." + "T" * length,
            f"list[_models.{'T' * length}]",
            f"list[list[_models.{'T' * length}]]",
        ):
            for name in ("p", "p" * (length // 2 + 1)):
                parameter = f"{name}: {inner} | None = None"
                laid = f"class C:\n    def f(\n        self,\n{parameter_line(parameter, 8)}    ) -> None: ...\n"
                plain = f"class C:\n    def f(\n        self,\n        {parameter},\n    ) -> None: ...\n"
                assert format_python(laid) == laid == format_python(plain), laid


@pytest.mark.parametrize("indent", [0, 8])
def test_calls_with_long_targets_and_keyword_tuples_format_as_black_would(indent: int) -> None:
    for length in range(1, 150, 5):
        target, model = "_" + "T" * length, "_models." + "M" * (length // 2 + 1)
        for arguments in (
            [f'"{"A" * (length // 3 + 1)}"', model, "_models.R"],
            ['"A"', model, "read_only=True", f'binary_fields=("{"F" * length}",)'],
            ['"A"', "_models.Q", f'binary_fields=("{"F" * (length // 2)}", "G")'],
        ):
            laid = _nested(call(target, "_client.Action", arguments, indent), indent)
            plain = _nested(f"{target} = _client.Action({', '.join(arguments)})", indent)
            assert format_python(laid) == laid == format_python(plain), laid


def test_paging_constants_of_every_length_format_as_black_would() -> None:
    for target_length in range(1, 140, 17):
        for first in (1, 30, 60, 95):
            for second in (5, 50, 100):
                types = ["_models." + "A" * first, "_models." + "B" * second]
                arguments = ['"' + "X" * (target_length % 100) + '"', types[0], '"offset"', 'items="y"']
                laid = generic_call("_" + "T" * target_length, "_paging.Paging", types, "_paging.Paging", arguments)
                assert format_python(laid + "\n") == laid + "\n", laid


def test_long_class_names_have_their_bases_split_as_black_would() -> None:
    for length in range(1, 150, 7):
        laid = signature("class " + "C" * length, ["_client.BaseClient"], ":", 0) + "\n    pass\n"
        assert format_python(laid) == laid == format_python(f"class {'C' * length}(_client.BaseClient):\n    pass\n")


def test_a_one_item_tuple_keeps_its_comma() -> None:
    for length in (10, 80, 120):
        laid = listing("SERVICES: tuple[str, ...]", [f'"{"s" * length}"'], 0, "()") + "\n"
        assert format_python(laid) == laid and laid.count(",)") + laid.count(",\n)") == 1


def test_laid_out_files_skip_black_unless_they_may_need_it() -> None:
    unformatted = "x = [1,2]\n"  # not black's layout: it shows whether black ran
    uncovered = f"value = compute({'a' * 50}, {'b' * 50})\n"
    files = {"p/laid.py": unformatted, "p/long.py": uncovered, "p/plain.py": unformatted, "p/ready.py": uncovered}
    out = formatted(files, ready=["p/ready.py"], laid_out=["p/laid.py", "p/long.py"])
    assert out["p/laid.py"] == unformatted and out["p/ready.py"] == uncovered
    assert out["p/long.py"] == format_python(uncovered) != uncovered
    assert out["p/plain.py"] == "x = [1, 2]\n"


def test_shapes_of_real_attributes_are_clean() -> None:
    cases = [
        ("total_count: int | None", ['name="TotalCount"', "default=None"]),
        ("internet_max_bandwidth_out: int | None", ['name="InternetMaxBandwidthOut"', "default=None"]),
        ("bmc_virtual_private_cloud: VirtualPrivateCloud", ['name="BmcVirtualPrivateCloud"']),
        (
            "reserved_instance_config_infos: list[ReservedInstanceConfigInfoItem] | None",
            ['name="ReservedInstanceConfigInfos"', "default=None"],
        ),
    ]
    for target, arguments in cases:
        laid = _nested(call(target, "_field", arguments, 4), 4)
        assert format_python(laid) == laid


@pytest.mark.slow
def test_client_statements_format_as_black_would_and_are_mostly_clean() -> None:
    chosen = random.Random(7)
    checked = clean = 0

    def check(laid: str, plain: str) -> None:
        nonlocal checked, clean
        assert format_python(laid) == format_python(plain), laid
        checked += 1
        clean += format_python(laid) == laid

    for _ in range(150):
        request = "_models." + "R" * chosen.randint(1, 50) + "Request"
        response = "_models." + "R" * chosen.randint(1, 50) + "Response"
        method = "describe_" + "x" * chosen.randint(1, 40)
        constant = "_" + "X" * chosen.randint(3, 60)
        arguments = ['"Action"', request, response, "read_only=False"]
        plain = f"{constant}: _client.Action[{request}, {response}] = _client.Action(\n"
        plain += "".join(f"    {argument},\n" for argument in arguments) + ")\n"
        check(generic_call(constant, "_client.Action", [request, response], "_client.Action", arguments) + "\n", plain)
        for parameters, tail in (
            (["self", f"request: {request}", "/"], f" -> {response}: ..."),
            (["self", f"request: {request} | None = None", "/", "**fields: Any"], f" -> {response}:\n        return x"),
        ):
            laid = "class C:\n    " + signature(f"def {method}", parameters, tail, 4) + "\n"
            check(laid, "class C:\n    " + f"def {method}({', '.join(parameters)}){tail}\n")
        call_arguments = [constant, "request", "fields"]
        laid = "def f():\n    " + statement("return await self._invoke", call_arguments, 4) + "\n"
        check(laid, f"def f():\n    return await self._invoke({', '.join(call_arguments)})\n")
    assert clean >= 0.9 * checked


def _models_source() -> str:
    """The models module of the default specs' trtc version as rendered, before black."""
    from pathlib import Path

    from codegen.pipeline import load_project
    from codegen.render import iter_service

    project = load_project(Path(__file__).resolve().parents[2] / "specs")
    service = next(s for s in project.services if s.service == "trtc")
    ((_, text),) = iter_service(service, "tcsdk", kinds=("models",))
    return text


def test_models_formatted_in_pieces_are_what_black_makes_of_the_whole() -> None:
    from codegen.layout import class_pieces, join_pieces

    source = _models_source()
    whole = format_python(source)
    for pieces in (1, 2, 3, 5, 50):
        parts = class_pieces(source, pieces)
        assert "".join(parts) == source and (len(parts) == pieces if pieces < 5 else 5 <= len(parts) <= pieces)
        assert join_pieces([format_python(part) for part in parts]) == whole


def test_pieces_are_cut_only_before_real_classes_after_a_blank_line() -> None:
    from codegen.layout import class_pieces, join_pieces

    # "class" lines inside a docstring are text; a commented class keeps its comment.
    source = (
        '"""Title\n\nclass NotOne:\n    pass\n"""\n\nimport x\n\n\nclass A:\n    a = 1\n\n\n'
        "# about B\nclass B:\n    b = 2\n\n\n@x.deco\nclass C:\n    c = 3\n"
    )
    parts = class_pieces(source, 10)
    assert [part.split("\n", 1)[0] for part in parts] == ['"""Title', "class A:", "@x.deco"]
    assert join_pieces([format_python(part) for part in parts]) == format_python(source)


@pytest.mark.parametrize("name", ["cvm", "trtc"])
def test_models_formatted_class_by_class_are_what_black_makes_of_the_whole(name: str) -> None:
    # The rule model_chunks rests on, at its finest: the header and every class formatted alone.
    from codegen.model_chunks import assemble, chunks, record
    from codegen.model_classes import ModelsRun
    from codegen.pipeline import load_project
    from codegen.render import iter_service

    project = load_project(Path(__file__).resolve().parents[2] / "specs")
    service = next(s for s in project.services if s.service == name)
    run = ModelsRun()
    ((path, text),) = iter_service(service, "tcsdk", kinds=("models",), models_run=run)
    parts = chunks(text, run.classes)
    assert parts is not None and len(parts) == len(run.classes) + 1 and run.order is not None
    whole = format_python(text)
    assert assemble(parts, {}, format_python) == whole
    assert record(path, parts, whole, run.order) is not None
