"""The render and format stages on IR built by hand (no spec files involved)."""

from __future__ import annotations

import ast

import pytest

from codegen.formatting import format_python
from codegen.ir import Action, ErrorCategory, ErrorCode, Field, ObjectType, ServiceVersion, TypeRef
from codegen.render import method_doc, render_common, render_service, runtime_files

STR = TypeRef("scalar", "str")
COMMON = (ErrorCode("InternalError", "INTERNAL_ERROR", "Internal.", True),)
CATEGORIES = (ErrorCategory("InternalError", "InternalError"),)


def make_service(read_only: bool = False, streaming: bool = False) -> ServiceVersion:
    node = ObjectType(
        "Node",
        "A node.",
        (Field("Kids", "kids", TypeRef("list", "", item=TypeRef("object", "Node")), False, True, "Children."),),
        "shared",
    )
    request = ObjectType(
        "GetNodeRequest", "", (Field("Id", "id", STR, True, False, 'Id with """quotes"""'),), "request", "GetNode"
    )
    response = ObjectType(
        "GetNodeResponse",
        "",
        (Field("Node", "node", TypeRef("object", "Node"), False, False, "The node."),),
        "response",
        "GetNode",
    )
    action = Action(
        name="GetNode",
        method="get_node",
        constant="_GET_NODE",
        error_enum="GetNodeErrorCode",
        summary="Get a node.",
        description="Longer text.",
        deprecated=True,
        streaming=streaming,
        read_only=read_only,
        idempotency_field="",
        idempotency_attribute="",
        request=request,
        response=response,
        errors=(
            ErrorCode("ResourceNotFound.Node", "RESOURCE_NOT_FOUND_NODE", "", False),
            ErrorCode("ResourceNotFound.Kid", "RESOURCE_NOT_FOUND_KID", "No kid of this node.", False),
        ),
        examples=(),
        source="x/GetNode.yaml",
    )
    return ServiceVersion(
        "demo",
        "2020-01-01",
        "demo",
        "v20200101",
        "DemoClient",
        "AsyncDemoClient",
        "Demo",
        "",
        "demo.tencentcloudapi.com",
        (node,),
        (action,),
        (),
        "ServiceErrorCode",
        (
            ErrorCode("ResourceNotFound.Kid", "RESOURCE_NOT_FOUND_KID", "No kid.", False),
            ErrorCode("ResourceNotFound.Node", "RESOURCE_NOT_FOUND_NODE", "No node.", False),
        ),
    )


def test_service_files_and_their_content() -> None:
    service = make_service()
    files = render_service(service, "pkg")
    assert sorted(files) == [
        "pkg/demo/v20200101/__init__.py",
        "pkg/demo/v20200101/aio.py",
        "pkg/demo/v20200101/client.py",
        "pkg/demo/v20200101/errors.py",
        "pkg/demo/v20200101/examples.json",
        "pkg/demo/v20200101/models.py",
    ]
    assert files["pkg/demo/v20200101/examples.json"] == "{}\n"  # no examples in this spec
    models = format_python(files["pkg/demo/v20200101/models.py"])
    tree = ast.parse(models)
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    assert set(classes) == {"Node", "GetNodeRequest", "GetNodeResponse"}
    assert ast.get_docstring(classes["GetNodeRequest"]) == (
        "Request of GetNode: Get a node.\n\nDeprecated: the action is deprecated by the service."
    )
    assert 'id: str = _field(name="Id")' in models
    assert 'kids: list[Node] | None = _field(name="Kids", default=None)' in models
    assert '__action__ = "GetNode"' in models and "__error_codes__" not in models
    errors = format_python(files["pkg/demo/v20200101/errors.py"])
    service_enum, action_enum = errors.split("class GetNodeErrorCode")
    # Each code's meaning once, on the service's enum; an action repeats it only to say something else.
    assert 'RESOURCE_NOT_FOUND_NODE = "ResourceNotFound.Node"\n    """No node."""' in service_enum
    assert 'RESOURCE_NOT_FOUND_NODE = "ResourceNotFound.Node"\n' in action_enum and "No node." not in action_enum
    assert 'RESOURCE_NOT_FOUND_KID = "ResourceNotFound.Kid"\n    """No kid of this node."""' in action_enum
    assert "INTERNAL_ERROR" not in errors  # common codes live in CommonErrorCode only
    client = format_python(files["pkg/demo/v20200101/client.py"])
    assert "class DemoClient(_client.BaseClient)" in client and "class AsyncDemoClient" not in client
    assert "class AsyncDemoClient(_aio.AsyncBaseClient)" in format_python(files["pkg/demo/v20200101/aio.py"])
    # Only the keyword arguments that differ from the defaults.
    assert "deprecated=True" in client and "read_only" not in client and "idempotency_attribute" not in client


def test_method_doc_states_the_retry_behaviour() -> None:
    assert "Read-only" in method_doc(make_service(read_only=True).actions[0])
    # The async method points at the sync one instead of repeating its text.
    assert method_doc(make_service().actions[0], "DemoClient") == (
        "Get a node.\n\nLike ``DemoClient.get_node``, for asyncio; see there.\n\nDeprecated by the service."
    )
    assert "Not read-only" in method_doc(make_service().actions[0])
    assert "server-sent events" in method_doc(make_service(streaming=True).actions[0])
    assert "not supported" not in method_doc(make_service(streaming=True).actions[0])


def test_common_files() -> None:
    files = render_common(COMMON, CATEGORIES, [make_service().index], "pkg")
    assert "pkg/common/client.py" in files and files["pkg/py.typed"] == ""
    errors = format_python(files["pkg/common/errors.py"])
    assert "class InternalError(TencentCloudError)" in errors
    assert '"InternalError": InternalError' in errors
    assert files["pkg/__init__.py"].count('"demo.v20200101"') == 1


def test_formatting_is_black_and_idempotent() -> None:
    ugly = "x = {  'a':1 }\n"
    assert format_python(ugly) == 'x = {"a": 1}\n'
    assert format_python(format_python(ugly)) == format_python(ugly)


def test_runtime_modules_are_copied_black_clean() -> None:
    # The generator copies them without formatting, so the source must stay black-clean.
    files = render_common(COMMON, CATEGORIES, [make_service().index], "pkg")
    for path in runtime_files("pkg"):
        assert format_python(files[path]) == files[path], f"run black (line length 88) on templates/runtime/: {path}"


def test_templates_are_found_in_a_source_checkout_without_installing(monkeypatch: pytest.MonkeyPatch) -> None:
    from codegen import package_files

    def not_installed(name: str) -> None:
        assert name == "codegen.templates"  # ``python -m codegen`` from the checkout finds no such package

    monkeypatch.setattr(package_files.importlib.util, "find_spec", not_installed)
    assert (package_files.template_dir() / "client.py.jinja").is_file()


def test_black_runs_with_the_cyclic_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    # A pause, not a switch: the collector's state is what it was once black is done.
    import gc

    import black

    seen: list[bool] = []
    real = black.format_str

    def spy(source: str, *, mode: black.Mode) -> str:
        seen.append(gc.isenabled())
        return real(source, mode=mode)

    monkeypatch.setattr(black, "format_str", spy)
    assert gc.isenabled()
    assert format_python("x=1\n") == "x = 1\n"
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        format_python("y=2\n")
        assert not gc.isenabled()
    finally:
        gc.enable()
