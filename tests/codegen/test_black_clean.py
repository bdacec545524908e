"""Every file a built-in template lays out without black is what black would write, for any names.

The templates of every file but ``models.py`` lay their lines out as black
would (``codegen/layout.py``), so those files skip black unless
``layout.may_need_black`` finds a long line that no layout rule leaves long
on purpose. These tests render each such template straight from IR objects,
with names of every length from 1 to 150 characters in every slot (lengths
near the line's limit drawn more often, and often one length for every name
of a service, as in a service with long action names) and types of every
shape (scalars, object references, lists nested up to three deep, optional
or not), and check that a file let through is byte for byte what black makes
of it, and that ``formatted`` always returns black's output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from codegen import cli
from codegen.formatting import format_python
from codegen.ir import (
    Action,
    ErrorCategory,
    ErrorCode,
    Field,
    ObjectType,
    Pagination,
    ServiceIndex,
    ServiceVersion,
    TypeRef,
)
from codegen.layout import may_need_black
from codegen.render import black_clean_common_files, black_clean_files, iter_service, render_common
from codegen.units import formatted

from ..spec_helpers import SERVICE, write_specs

# --- names and types of every length -----------------------------------------

CAMEL, SNAKE, UPPER = "DescribeWidgetStatus", "describe_widget_status", "DESCRIBE_WIDGET_STATUS"
# One length for many slots of an example: a service whose names are all long.
_SHARED_LENGTH = st.shared(st.integers(1, 150), key="length")


def identifiers(pattern: str, low: int = 1, high: int = 150) -> st.SearchStrategy[str]:
    """Names cut from ``pattern`` repeated: any length from ``low`` to ``high``, often near the line's limit."""
    lengths = st.one_of(st.integers(low, high), st.integers(30, 100), _SHARED_LENGTH)

    def cut(length: int, start: int) -> str:
        length = min(max(length, low), high)
        return (pattern * (length // len(pattern) + 2))[start : start + length]

    return st.builds(cut, lengths, st.integers(0, len(pattern) - 1))


def _code(length: int, start: int) -> str:
    text = ("FailedOperation.WidgetLocked." * 8)[start : start + length]
    return text.lstrip(".") or "Code"


# Wire codes (up to the spec format's 200 characters) and endpoints (up to 253).
codes = st.builds(_code, st.one_of(st.integers(1, 200), st.integers(30, 100)), st.integers(0, 28))
endpoints = st.one_of(st.integers(1, 253), st.integers(60, 100)).map(
    lambda n: ("widget.tencentcloudapi.com." * 10)[:n].strip(".") or "w"
)
# Documentation: escaped by ``doc``, whose literals black leaves (tests/codegen/test_docstrings.py).
texts = st.lists(
    st.sampled_from(["", "Word ", "two words. ", "\n", "\n\n", '"', "'", "\\", "``code``", "x" * 95]), max_size=5
).map("".join)


@st.composite
def types(draw: st.DrawFn, max_depth: int = 3) -> TypeRef:
    """A scalar or an object reference, in lists nested up to ``max_depth`` deep."""
    scalar = st.sampled_from(["str", "int", "float", "bool", "bytes"]).map(lambda name: TypeRef("scalar", name))
    ref = draw(scalar | identifiers(CAMEL).map(lambda name: TypeRef("object", name)))
    for _ in range(draw(st.integers(0, max_depth))):
        ref = TypeRef("list", "", item=ref)
    return ref


fields = st.builds(
    Field,
    wire_name=identifiers(CAMEL),
    py_name=identifiers(SNAKE),
    type=types(),
    required=st.booleans(),
    nullable=st.booleans(),
    description=texts,
)


def objects(role: str) -> st.SearchStrategy[ObjectType]:
    return st.builds(
        ObjectType,
        name=identifiers(CAMEL),
        description=texts,
        fields=st.lists(fields, max_size=3).map(tuple),
        role=st.just(role),
    )


error_codes = st.builds(ErrorCode, code=codes, member=identifiers(UPPER), description=texts, common=st.just(False))


@st.composite
def paginations(draw: st.DrawFn) -> Pagination:
    items = Field(
        draw(identifiers(CAMEL)), draw(identifiers(SNAKE)), TypeRef("list", "", item=draw(types(2))), False, False, ""
    )
    maybe = st.none() | fields
    return Pagination(
        style=draw(st.sampled_from(["offset", "page", "token"])),
        items=items,
        cursor=draw(fields),
        limit=draw(maybe),
        total=draw(maybe),
        next_token=draw(maybe),
        first_page=draw(st.sampled_from([0, 1])),
        iter_method="iter_" + draw(identifiers(SNAKE)),
        pages_method="pages_" + draw(identifiers(SNAKE)),
        constant="_" + draw(identifiers(UPPER)) + "_PAGING",
    )


@st.composite
def actions(draw: st.DrawFn) -> Action:
    request = draw(objects("request"))
    uploads = draw(st.integers(0, len(request.fields)))
    token = draw(st.sampled_from(["", "client_token"]) | identifiers(SNAKE))
    return Action(
        name=draw(identifiers(CAMEL)),
        method=draw(identifiers(SNAKE)),
        constant="_" + draw(identifiers(UPPER)),
        error_enum=draw(identifiers(CAMEL)),
        summary=draw(texts),
        description=draw(texts),
        deprecated=draw(st.booleans()),
        streaming=draw(st.booleans()),
        read_only=draw(st.booleans()),
        idempotency_field="ClientToken" if token else "",
        idempotency_attribute=token,
        request=request,
        response=draw(objects("response")),
        errors=tuple(draw(st.lists(error_codes, max_size=2))),
        examples=(),
        source="x/Action.yaml",
        binary_fields=tuple(field.wire_name for field in request.fields[:uploads]),
        pagination=draw(st.none() | paginations()),
    )


@st.composite
def service_versions(draw: st.DrawFn) -> ServiceVersion:
    service = draw(identifiers(SNAKE, high=60))
    return ServiceVersion(
        service=service,
        version="2020-01-01",
        package=service,
        module="v20200101",
        client_class=draw(identifiers(CAMEL)),
        async_client_class=draw(identifiers(CAMEL)),
        title=draw(texts),
        description=draw(texts),
        endpoint=draw(endpoints),
        types=(),
        actions=tuple(draw(st.lists(actions(), max_size=2))),
        sources=(),
        error_enum=draw(identifiers(CAMEL)),
        errors=tuple(draw(st.lists(error_codes, max_size=2))),
    )


service_indexes = st.builds(
    ServiceIndex,
    service=identifiers(SNAKE, high=60),
    version=st.just("2020-01-01"),
    title=texts,
    package=identifiers(SNAKE, high=61),
    module=st.just("v20200101"),
    actions=st.just(1),
    source=st.just("x/service.yaml"),
)
categories = st.builds(ErrorCategory, prefix=identifiers(CAMEL), class_name=identifiers(CAMEL))


# --- the check ------------------------------------------------------------------


def check_black_clean(files: dict[str, str], laid_out: set[str]) -> int:
    """Each laid-out file skips black only if black would leave it as it is,
    and ``formatted`` gives black's output either way. Returns how many go
    through black."""
    assert laid_out and laid_out <= files.keys()
    sent = 0
    for path in sorted(laid_out):
        text = files[path]
        black = format_python(text)
        sent += may_need_black(text)
        if not may_need_black(text):
            assert text == black, path
        out = formatted({path: text}, laid_out=laid_out)[path]
        assert out == black, path
        if out != text:
            assert format_python(out) == out, path
    return sent


def check_version(service: ServiceVersion) -> int:
    files = dict(iter_service(service, "pkg", kinds=("template",)))
    return check_black_clean(files, black_clean_files(service, "pkg", None))


def check_package(
    package: str, common: list[ErrorCode], found: list[ErrorCategory], services: list[ServiceIndex]
) -> int:
    files = render_common(common, found, services, package)
    return check_black_clean(files, black_clean_common_files(services, package, None))


# Fast variants for the quick loop (fixed examples, so it cannot flake), and
# deeper ones drawing new examples on every run.
_FAST = settings(max_examples=40, deadline=None, derandomize=True)
_DEEP = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FAST
@given(service=service_versions())
def test_every_laid_out_file_of_a_service_version_is_what_black_writes(service: ServiceVersion) -> None:
    event(f"files sent to black: {check_version(service)}")


_packages = {
    "package": identifiers(SNAKE),
    "common": st.lists(error_codes.map(lambda e: ErrorCode(e.code, e.member, e.description, True)), max_size=3),
    "found": st.lists(categories, max_size=3),
    "services": st.lists(service_indexes, max_size=3),
}


@_FAST
@given(**_packages)
def test_every_laid_out_package_file_is_what_black_writes(
    package: str, common: list[ErrorCode], found: list[ErrorCategory], services: list[ServiceIndex]
) -> None:
    event(f"files sent to black: {check_package(package, common, found, services)}")


@pytest.mark.slow
@_DEEP
@given(service=service_versions())
def test_every_laid_out_file_of_a_service_version_is_what_black_writes_deeper(service: ServiceVersion) -> None:
    event(f"files sent to black: {check_version(service)}")


@pytest.mark.slow
@_DEEP
@given(**_packages)
def test_every_laid_out_package_file_is_what_black_writes_deeper(
    package: str, common: list[ErrorCode], found: list[ErrorCategory], services: list[ServiceIndex]
) -> None:
    event(f"files sent to black: {check_package(package, common, found, services)}")


def _all_of_length(length: int) -> ServiceVersion:
    """A service version whose every name in every slot has ``length`` characters."""

    def name(pattern: str) -> str:
        return (pattern * (length // len(pattern) + 1))[:length]

    def field(required: bool, ref: TypeRef) -> Field:
        return Field(name(CAMEL), name(SNAKE), ref, required, False, "")

    obj = TypeRef("object", name(CAMEL))
    shapes = [obj, TypeRef("list", "", item=obj), TypeRef("list", "", item=TypeRef("list", "", item=obj))]
    request = ObjectType(name(CAMEL), "", tuple(field(r, s) for r in (True, False) for s in shapes), "request")
    errors = (ErrorCode(_code(length, 0), name(UPPER), "", False),)
    paging = Pagination(
        style="offset",
        items=field(False, shapes[2]),
        cursor=field(False, obj),
        limit=field(False, obj),
        total=field(False, obj),
        iter_method=name(SNAKE),
        pages_method=name(SNAKE),
        constant=name(UPPER),
    )
    actions = tuple(
        Action(
            name=name(CAMEL),
            method=name(SNAKE),
            constant=name(UPPER),
            error_enum=name(CAMEL),
            summary="",
            description="",
            deprecated=True,
            streaming=streaming,
            read_only=True,
            idempotency_field="ClientToken",
            idempotency_attribute=name(SNAKE),
            request=request,
            response=ObjectType(name(CAMEL), "", (), "response"),
            errors=errors,
            examples=(),
            source="",
            binary_fields=(request.fields[0].wire_name,),
            pagination=None if streaming else paging,
        )
        for streaming in (False, True)
    )
    service = name(SNAKE)[:60]
    return ServiceVersion(
        service=service,
        version="2020-01-01",
        package=service,
        module="v20200101",
        client_class=name(CAMEL),
        async_client_class=name(CAMEL),
        title="",
        description="",
        endpoint=_code(length, 0),
        types=(),
        actions=actions,
        sources=(),
        error_enum=name(CAMEL),
        errors=errors,
    )


@pytest.mark.slow
def test_names_of_every_length_in_every_slot_at_once() -> None:
    sent = 0
    for length in range(1, 151):
        service = _all_of_length(length)
        category = ErrorCategory(_code(length, 0), (CAMEL * 8)[:length])
        common = [ErrorCode(_code(length, 0), (UPPER * 8)[:length], "", True)]
        sent += check_version(service) + check_package(service.package, common, [category], [service.index])
    # The layout rules cover every slot: no file needs black, however long its names.
    assert sent == 0


# --- the reported failure --------------------------------------------------------

# Longer than any action of the shared corpus (its longest has 54 characters):
# its request class does not fit a parameter line even in parentheses.
LONG_ACTION = "DescribeCloudNativeApplicationGatewayLoadBalancerListenerCertificateBindingStatusOverview"


def _tencent_description(root: Path, action: str) -> None:
    """A Tencent API description of one service version with one action."""
    folder = root / "longnames" / "v20210101"
    folder.mkdir(parents=True)
    members = [{"name": "Limit", "type": "int", "member": "int64", "required": False, "document": "Page size."}]
    answer = [
        {"name": "TotalCount", "type": "int", "member": "int64", "output_required": True, "document": "All."},
        {"name": "RequestId", "type": "string", "member": "string", "document": "Request ID."},
    ]
    api = {
        "version": "1.0",
        "metadata": {"apiVersion": "2021-01-01", "serviceShortName": "longnames", "serviceNameCN": "Long names"},
        "actions": {
            action: {
                "name": "Long",
                "document": "A long name.",
                "input": f"{action}Request",
                "output": f"{action}Response",
            }
        },
        "objects": {
            f"{action}Request": {"type": "object", "document": "", "members": members},
            f"{action}Response": {"type": "object", "document": "", "members": answer},
        },
    }
    (folder / "api.json").write_text(json.dumps(api), "utf-8")
    (folder / "errors.json").write_text(json.dumps({"codes": {}, "actions": {}}), "utf-8")


def test_a_tencent_description_with_a_very_long_action_name_gives_black_clean_clients(tmp_path: Path) -> None:
    # Issue 21: client.py and aio.py skipped black with a request parameter
    # black puts in parentheses and splits at its "| None".
    _tencent_description(tmp_path / "api", LONG_ACTION)
    out = tmp_path / "out"
    arguments = ["generate", "--from", "tencentcloud", str(tmp_path / "api"), "--out", str(out), "-q", "-j", "1"]
    assert cli.main([*arguments, "--no-cache"]) == 0
    written = sorted(out.rglob("*.py"))
    assert {path.name for path in written} >= {"client.py", "aio.py", "errors.py", "__init__.py"}
    for path in written:
        text = path.read_text("utf-8")
        assert format_python(text) == text, path


def test_specs_at_the_edges_give_black_clean_files(tmp_path: Path) -> None:
    # Found by the tests above, each failed before: an empty common error
    # table ("_CATEGORIES = {" and "}" on two lines), a code described by
    # blank space only (a line of spaces), a service version without actions
    # (three blank lines before the client class).
    ping = "action: Ping\nrequest: {type: object, properties: {}}\nresponse: {type: object, properties: {}}\n"
    files = {
        "common/errors.yaml": "errors: {}\n",
        "demo/2020-01-01/Ping.yaml": ping + "errors:\n  FailedOperation.Blank: '   '\n",
        "empty/2020-01-01/service.yaml": SERVICE.replace("demo", "empty"),
    }
    write_specs(tmp_path / "specs", files)
    out = tmp_path / "out"
    assert (
        cli.main(["generate", "--specs", str(tmp_path / "specs"), "--out", str(out), "-q", "-j", "1", "--no-cache"])
        == 0
    )
    written = sorted(out.rglob("*.py"))
    assert out / "tcsdk" / "empty" / "v20200101" / "client.py" in written
    for path in written:
        text = path.read_text("utf-8")
        assert format_python(text) == text, path
