"""Stage 3: render the generated package as ``{relative path: source text}``.

``MANIFEST`` declares every output file: where it goes, what makes it (a
template, a copied runtime module, data) and which context it gets. The
templates hold the layout and get IR objects whose names are final; this
module only reads the manifest and hands each template its context. Nothing
is written here. docs/templates.md describes each template's context.
"""

from __future__ import annotations

import functools
import json
import textwrap
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2
from jinja2.filters import FILTERS as JINJA_FILTERS

from . import __version__, layout
from .diagnostics import Diagnostic, SpecError
from .docstrings import docstring
from .ir import Action, ErrorCategory, ErrorCode, Example, Field, ServiceIndex, ServiceVersion, TypeRef, Waiter
from .model_classes import CLASS_TEMPLATE_NAMES, ClassesMissing, ModelsRun, object_types, render_models
from .package_files import (
    MODEL_TEMPLATE,
    model_template_dir,
    template_dir,
    template_folders,
    unused_overrides,
    used_templates,
)
from .template_errors import inside, line_origin, not_python, python_problem, unknown_names, users_errors

RUNTIME_MODULES = (
    "redaction.py",
    "exceptions.py",
    "meta.py",
    "model.py",
    "envelope.py",
    "tolerant.py",
    "tolerant_report.py",
    "validation.py",
    "signing.py",
    "wire.py",
    "interceptors.py",
    "deadlines.py",
    "failover.py",
    "throttling.py",
    "transport.py",
    "http11.py",
    "routes.py",
    "aio_link.py",
    # A package: what it holds is listed in its __init__.py.
    "credentials/__init__.py",
    "credentials/types.py",
    "credentials/flow.py",
    "credentials/answers.py",
    "credentials/refreshing.py",
    "credentials/local.py",
    "credentials/cvm.py",
    "credentials/sts.py",
    "credentials/chain.py",
    "credentials/assume_role.py",
    "retry.py",
    "multipart.py",
    "octet.py",
    "events.py",
    "streaming.py",
    "calls.py",
    "attempt.py",
    "steps.py",
    "plan.py",
    "telemetry.py",
    "wiring.py",
    "sync_http.py",
    "aio_http.py",
    "httpx_http.py",
    "generic.py",
    "client.py",
    "aio.py",
    "paging.py",
    "waiting.py",
    "testing.py",
    # The local endpoint: its parts, then the module users import and run.
    "fake_checks.py",
    "fake_catalog.py",
    "fake_answers.py",
    "fake_http.py",
    "fake_command.py",
    "fake_server.py",
)


@dataclass(frozen=True)
class OutputFile:
    """One file of the generated package, as the manifest declares it.

    ``path`` and ``source`` are patterns filled with ``{package}`` (the
    generated package), and for the service and version scopes with
    ``{service_package}``, ``{module}``, ``{service}`` and ``{version}``.
    ``kind`` says what makes the file:

    - ``template``: the Jinja template ``name``, given its scope's context;
    - ``models``: the same, plus the model classes datamodel-code-generator
      rendered (``classes``) and their names (``exported``);
    - ``runtime``: the module ``runtime/<name>``, copied after the header;
    - ``examples``: the spec's examples as JSON data; ``empty``: no content.

    ``scope`` says how often it is made: once (``package``), once per service
    package (``service``) or once per service version (``version``).
    """

    path: str
    kind: Literal["template", "models", "runtime", "examples", "empty"]
    scope: Literal["package", "service", "version"]
    name: str = ""
    source: str = ""  # the header's "Generated ... from <source>"
    # The built-in template lays the file out exactly as black would, so the
    # black pass skips it (see black_clean_files; the corpus tests check).
    # A file holding a line the layout filters may not have covered is
    # formatted all the same (layout.may_need_black).
    black_clean: bool = False


_VERSION = "{package}/{service_package}/{module}"
_SPECS = "{service}/{version}"

MANIFEST: tuple[OutputFile, ...] = (
    OutputFile("{package}/__init__.py", "template", "package", "package_init.py.jinja", black_clean=True),
    OutputFile("{package}/py.typed", "empty", "package"),
    OutputFile("{package}/common/__init__.py", "template", "package", "common_init.py.jinja", black_clean=True),
    OutputFile(
        "{package}/common/errors.py",
        "template",
        "package",
        "common_errors.py.jinja",
        "common/errors.yaml",
        black_clean=True,
    ),
    *(OutputFile(f"{{package}}/common/{module}", "runtime", "package", module) for module in RUNTIME_MODULES),
    OutputFile(
        "{package}/{service_package}/__init__.py", "template", "service", "service_init.py.jinja", black_clean=True
    ),
    OutputFile(f"{_VERSION}/__init__.py", "template", "version", "version_init.py.jinja", _SPECS, black_clean=True),
    OutputFile(f"{_VERSION}/errors.py", "template", "version", "errors.py.jinja", _SPECS, black_clean=True),
    OutputFile(f"{_VERSION}/client.py", "template", "version", "client.py.jinja", _SPECS, black_clean=True),
    OutputFile(f"{_VERSION}/aio.py", "template", "version", "aio.py.jinja", _SPECS, black_clean=True),
    # The spec's examples, as data for ``common.testing`` (Stubber.add_example);
    # nothing else reads the file, so importing the models stays light.
    OutputFile(f"{_VERSION}/examples.json", "examples", "version"),
    # Last: the slowest to render, so that a caller formats the other files
    # of the service version while the models are rendered (see iter_service).
    OutputFile(f"{_VERSION}/models.py", "models", "version", "models.py.jinja", _SPECS),
)


def template_problems(templates: Path) -> list[Diagnostic]:
    """What is wrong with a user's folder of ``templates`` before anything is
    rendered: templates that do not parse, and files no template is read as."""
    roots = {entry.name for entry in MANIFEST if entry.kind in ("template", "models")}
    used, problems = used_templates(template_folders(templates), sorted({*roots, "header.jinja", MODEL_TEMPLATE}))
    class_template = used.get(MODEL_TEMPLATE)
    if not problems and class_template is not None and inside(class_template, templates):
        problems += unknown_names(class_template, CLASS_TEMPLATE_NAMES)
    return problems + unused_overrides(templates, used)


def runtime_files(package: str) -> list[str]:
    """Paths of the runtime modules, copied as they are: they are kept
    black-clean in the source tree (a test checks), so black can skip them."""
    return [entry.path.format(package=package) for entry in MANIFEST if entry.kind == "runtime"]


def black_clean_files(service: ServiceVersion, package: str, templates: Path | None) -> set[str]:
    """The service version's files black would leave unchanged, so the black pass skips them.

    Only with the built-in templates: an override (or a template it includes)
    may lay its file out otherwise, so with ``templates`` every file is formatted.
    """
    return _black_clean("version", [_version_names(service, package)], templates)


def black_clean_common_files(services: Sequence[ServiceIndex], package: str, templates: Path | None) -> set[str]:
    """The package and service files black would leave unchanged (see black_clean_files)."""
    by_service = [{"package": package, "service_package": service.package} for service in services]
    return _black_clean("package", [{"package": package}], templates) | _black_clean("service", by_service, templates)


def _black_clean(scope: str, names: Sequence[dict[str, str]], templates: Path | None) -> set[str]:
    if templates is not None:
        return set()
    laid_out = [entry.path for entry in MANIFEST if entry.scope == scope and entry.black_clean]
    return {path.format(**each) for path in laid_out for each in names}


def _version_names(service: ServiceVersion, package: str) -> dict[str, str]:
    return {
        "package": package,
        "service_package": service.package,
        "module": service.module,
        "service": service.service,
        "version": service.version,
    }


@lru_cache(maxsize=4)
def _environment(folders: tuple[Path, ...]) -> jinja2.Environment:
    env = jinja2.Environment(
        # The first folder holding a template wins: overrides, then the built-in set.
        loader=jinja2.FileSystemLoader(folders),
        autoescape=False,  # the output is Python, not HTML  # noqa: S701
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["doc"] = docstring
    env.filters["assign"] = layout.assign
    env.filters["call"] = layout.call
    env.filters["listing"] = layout.listing
    env.filters["parameter_line"] = layout.parameter_line
    env.filters["closing"] = layout.closing
    env.filters["generic_call"] = layout.generic_call
    env.filters["signature"] = layout.signature
    env.filters["statement"] = layout.statement
    env.filters["from_import"] = layout.from_import
    env.filters["wrapped"] = layout.wrapped
    # A JSON string literal is a valid Python string literal (ASCII-only, so no
    # character of the input can end it or the line early).
    env.filters["pystr"] = json.dumps
    env.filters["pytuple"] = pytuple
    env.filters["parameter_annotation"] = parameter_annotation
    env.filters["method_doc"] = method_doc
    env.filters["returns"] = returns
    env.filters["paging_item"] = paging_item
    env.filters["waiter_parameters"] = waiter_parameters
    env.filters["waiter_arguments"] = waiter_arguments
    env.filters["waiter_doc"] = waiter_doc
    env.filters["action_enum_entries"] = action_enum_entries
    if len(folders) > 1:
        # A user's templates (the first folder) may hand our filters an undefined
        # name: made to fail naming it, as Jinja's own filters do. The built-in
        # templates never do, so their filters stay unwrapped.
        env.filters.update({name: _strict(f) for name, f in env.filters.items() if name not in JINJA_FILTERS})
    return env


def _strict(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` as a filter that fails on an undefined argument the way Jinja does
    (naming what is undefined), rather than wherever the Python code trips over it."""

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            if isinstance(value, jinja2.Undefined):
                str(value)  # a StrictUndefined raises the UndefinedError
        return function(*args, **kwargs)

    return checked


def pytuple(items: tuple[Any, ...]) -> str:
    """A tuple of strings, or of such tuples, as a Python literal: ``("File",)``, ``(("A", "X-A"),)``."""
    texts = [pytuple(item) if isinstance(item, tuple) else json.dumps(item) for item in items]
    return f"({texts[0]},)" if len(texts) == 1 else "(" + ", ".join(texts) + ")"


def action_enum_entries(service: ServiceVersion) -> list[str]:
    """``"Action": ActionErrorCode`` for each action: errors.py's BY_ACTION."""
    return [f"{json.dumps(action.name)}: {action.error_enum}" for action in service.actions]


def paging_item(action: Action) -> str:
    """The annotation of one item that ``iter_<method>`` yields."""
    assert action.pagination is not None and action.pagination.items.type.item is not None
    return annotation(action.pagination.items.type.item)


def annotation(ref: TypeRef, models: str = "_models.") -> str:
    """A type annotation usable outside models.py (object types qualified)."""
    return ref.in_code(models)


def parameter_annotation(field: Field) -> str:
    text = annotation(field.type)
    return f"{text} | None" if field.optional else text


def returns(action: Action, is_async: bool) -> str:
    """The return annotation of an action's client method."""
    response = f"_models.{action.response.name}"
    if action.streaming:
        return f"_client.{'AsyncStream' if is_async else 'Stream'}[{response}]"
    return response


def waiter_parameters(action: Action) -> list[str]:
    """The typed keyword parameters of a waiter method: the polled request's
    fields (those the ``started`` answer can fill are optional), then the delays."""
    waiter = action.waiter
    assert waiter is not None
    filled = {target for target, _, _ in waiter.inputs}
    fields = sorted(waiter.poller_request.fields, key=lambda f: f.optional or f.py_name in filled)
    parameters = [f"started: _models.{action.response.name} | None = None"]
    for field in fields:
        text = f"{field.py_name}: {parameter_annotation(field)}"
        if field.py_name in filled and not field.optional:
            text += " | None"
        parameters.append(text + (" = None" if field.optional or field.py_name in filled else ""))
    return parameters + waiter_delays(action)


def waiter_delays(action: Action) -> list[str]:
    """The delay and timeout parameters of a waiter method, with their defaults."""
    waiter = action.waiter
    assert waiter is not None
    return [f"{name}: float = {value!r}" for name, value in waiter_defaults(waiter)]


def waiter_defaults(waiter: Waiter) -> list[tuple[str, float]]:
    return [("min_delay", waiter.min_delay), ("max_delay", waiter.max_delay), ("timeout", waiter.timeout)]


def _literal(value: object) -> str:
    """A Python literal of strings, booleans and tuples of them, double-quoted as black writes it."""
    if isinstance(value, tuple):
        texts = [_literal(item) for item in value]
        return f"({texts[0]},)" if len(texts) == 1 else "(" + ", ".join(texts) + ")"
    if isinstance(value, bool):
        return repr(value)
    return json.dumps(value)


def waiter_arguments(action: Action) -> list[str]:
    """The arguments of the ``_waiting.Waiting`` that describes an action's waiter."""
    waiter = action.waiter
    assert waiter is not None
    arguments = [
        json.dumps(action.name),
        json.dumps(waiter.poller),
        f"_models.{waiter.poller_request.name}",
        "status=" + _literal(waiter.status),
        "success=" + _literal(waiter.success),
    ]
    for key in ("failure", "pending", "retry_errors", "inputs"):
        value = getattr(waiter, key)
        if value:
            arguments.append(f"{key}={_literal(value)}")
    return arguments


def waiter_doc(action: Action, sync_client: str = "") -> str:
    """A waiter method's docstring: what it polls, when it stops, its arguments."""
    waiter = action.waiter
    assert waiter is not None
    if sync_client:
        like = f"Like ``{sync_client}.{waiter.method}``, for asyncio; see there."
        return f"Wait for the work of ``{action.method}``.\n\n{like}"

    def listed(values: tuple[str, ...]) -> str:
        return ", ".join(f"``{v}``" for v in values) or "none"

    inputs = ", ".join(f"``{target}`` from its ``{source}``" for target, source, _ in waiter.inputs)
    parts = [
        f"Wait for the work of ``{action.method}``: poll ``{waiter.poller_method}`` until it is done.",
        f"Reads ``{waiter.status_wire}`` of each answer: done when "
        + ("every one is" if "[]" in waiter.status else "it is")
        + f" {listed(waiter.success)} (the answer is returned); a failure when "
        + ("any is" if "[]" in waiter.status else "it is")
        + f' {listed(waiter.failure)} (``WaiterError``, ``reason`` "failure"); any other state, or none yet,'
        + " means asking again"
        + (f" (as do the error codes {listed(waiter.retry_errors)})" if waiter.retry_errors else "")
        + ".",
        f"Takes the arguments of ``{waiter.poller_method}`` (or its request model)"
        + (f"; ``started``, the answer of ``{action.method}``, fills {inputs}" if inputs else "")
        + ".",
        f"Waits ``min_delay`` to ``max_delay`` seconds between polls (jittered exponential back-off, never less"
        f" than ``min_delay``; defaults {waiter.min_delay:g} and {waiter.max_delay:g}); after ``timeout`` seconds"
        f' (default {waiter.timeout:g}) raises ``WaiterError`` (``reason`` "timeout", with the last state).'
        " Each poll is an ordinary call: retries, deadline and interceptors apply to it; see ``common.waiting``.",
    ]
    return "\n\n".join(textwrap.fill(part, 80, break_long_words=False, break_on_hyphens=False) for part in parts)


def method_doc(action: Action, sync_client: str = "") -> str:
    """The client method's docstring: the action's text and its retry behaviour.

    With ``sync_client`` (for the async client), the summary and a pointer to
    the sync method, which says the rest: one full copy per package is enough.
    """
    if sync_client:
        text = f"{action.summary or action.name}\n\nLike ``{sync_client}.{action.method}``, for asyncio; see there."
        return text + ("\n\nDeprecated by the service." if action.deprecated else "")
    parts = [action.summary or action.name, action.description]
    if action.read_only:
        parts.append("Read-only: a failed call is repeated per the retry policy.")
    elif action.idempotency_field:
        parts.append(
            f"``{action.idempotency_attribute}`` is filled with a fresh UUID when left unset, so a failed "
            f"call is repeated per the retry policy: the service drops repeats of one token."
        )
    else:
        parts.append(
            "Not read-only: repeated only when the service throttled it or the connection failed before sending."
        )
    names = {f.wire_name: f.py_name for f in action.request.fields}
    if action.octet_stream:
        sent = ", ".join(f"``{names[wire]}`` as {header}" for wire, header in action.headers)
        parts.append(
            f"Sends ``{names[action.binary_fields[0]]}`` (bytes or a binary file object) as the raw request body, "
            "application/octet-stream" + (f"; the other parameters travel as headers: {sent}." if sent else ".")
        )
    elif action.binary_fields:
        uploads = ", ".join(f"``{names[wire]}``" for wire in action.binary_fields)
        parts.append(
            f"Uploads {uploads} (bytes or a binary file object) as file content: the request is sent as "
            "multipart/form-data."
        )
    parts.append("``extra_params``: parameters newer than the spec, by wire name.")
    if action.deprecated:
        parts.append("Deprecated by the service: calling it emits a DeprecationWarning.")
    if action.streaming:
        parts.append(
            "The service answers with server-sent events: iterate the returned stream (in a ``with`` or "
            "``async with`` block) for each event's data as a typed response; see ``common.streaming``."
        )
    return "\n\n".join(p for p in parts if p)


def _render(
    env: jinja2.Environment,
    entry: OutputFile,
    names: dict[str, str],
    context: dict[str, Any],
    templates: Path | None,
    roots: tuple[str, ...] = (),
) -> str:
    """The output of ``entry``'s template; with the user's ``templates``, their
    failures and output that is not Python are problems of theirs (``template_errors``)."""
    full = {"source": entry.source.format(**names), **context}
    with users_errors(templates):
        text = env.get_template(entry.name).render(**full)
    path = entry.path.format(**names)
    if templates is None or not path.endswith(".py") or (error := python_problem(path, text)) is None:
        return text
    folders = template_folders(templates)
    used, _ = used_templates(folders, (entry.name, *roots))
    mine = [file for name, file in used.items() if name and inside(file, templates)]
    if not mine:
        raise RuntimeError(f"{path}: the built-in templates wrote code that is not Python: {error}")
    origin = line_origin(env, entry.name, full, text, error.lineno or 1, error.offset or 1)
    if origin is not None and not inside(origin[0], templates):
        origin = None  # a built-in template's line: the user's file is what to fix
    raise not_python(path, error, origin, mine)


def render_common(
    common_errors: Sequence[ErrorCode],
    categories: Sequence[ErrorCategory],
    services: Sequence[ServiceIndex],
    package: str,
    templates: Path | None = None,
) -> dict[str, str]:
    """The files that do not belong to one service version: runtime and package inits.

    ``templates`` is a folder of templates that replace built-in ones of the same name.
    """
    env = _environment(template_folders(templates))
    with users_errors(templates):
        header = env.get_template("header.jinja").render(source="")
    by_package: dict[str, list[ServiceIndex]] = {}
    for service in services:
        by_package.setdefault(service.package, []).append(service)
    package_context: dict[str, Any] = {
        "package": package,
        "services": services,
        "errors": common_errors,
        "categories": categories,
        # In the User-Agent of every request (common.attempt).
        "generator": f"tencentcloud-codegen/{__version__}",
    }
    files: dict[str, str] = {}
    for entry in MANIFEST:
        if entry.scope == "package":
            names = {"package": package}
            if entry.kind == "template":
                files[entry.path.format(**names)] = _render(env, entry, names, package_context, templates)
            elif entry.kind == "runtime":
                # Not templates: always the built-in modules (docs/templates.md says why).
                text = (template_dir() / "runtime" / entry.name).read_text("utf-8")
                files[entry.path.format(**names)] = header + "\n" + text
            else:
                assert entry.kind == "empty", entry
                files[entry.path.format(**names)] = ""
        elif entry.scope == "service":
            assert entry.kind == "template", entry
            for name, versions in sorted(by_package.items()):
                names = {"package": package, "service_package": name}
                service_context = {"package": package, "service": versions[0], "versions": tuple(versions)}
                files[entry.path.format(**names)] = _render(env, entry, names, service_context, templates)
    return files


def render_service(service: ServiceVersion, package: str, templates: Path | None = None) -> dict[str, str]:
    """The files of one service version's package (models, errors, client, aio...)."""
    return dict(iter_service(service, package, templates))


def iter_service(
    service: ServiceVersion,
    package: str,
    templates: Path | None = None,
    kinds: Container[str] | None = None,
    models_run: ModelsRun | None = None,
) -> Iterator[tuple[str, str]]:
    """The files of :func:`render_service` one at a time, in manifest order: the
    slowest (models) last, so that a caller can format the others meanwhile.

    ``kinds``: only the manifest entries of these kinds (``template``, ``models``, ``examples``).
    ``models_run``: given to ``render_models`` (see ``model_classes.ModelsRun``)."""
    folders = template_folders(templates)
    env = _environment(folders)
    names = _version_names(service, package)
    context: dict[str, Any] = {"package": package, "service": service}
    for entry in MANIFEST:
        if entry.scope != "version" or (kinds is not None and entry.kind not in kinds):
            continue
        path = entry.path.format(**names)
        if entry.kind == "template":
            yield path, _render(env, entry, names, context, templates)
        elif entry.kind == "models":
            classes = _model_classes(service, folders, templates, models_run)
            exported = [obj.name for obj in object_types(service)]
            models = {**context, "exported": exported, "classes": classes}
            yield path, _render(env, entry, names, models, templates, roots=(MODEL_TEMPLATE,))
        else:
            assert entry.kind == "examples", entry
            yield path, examples_data(service)


def models_path(service: ServiceVersion, package: str) -> str:
    """Where the models module of ``service`` goes in the output."""
    (entry,) = (entry for entry in MANIFEST if entry.kind == "models")
    return entry.path.format(**_version_names(service, package))


def _model_classes(
    service: ServiceVersion, folders: tuple[Path, ...], templates: Path | None, run: ModelsRun | None
) -> str:
    """The model classes, through the user's class template when there is one."""
    folder = model_template_dir(folders)
    with users_errors(templates):
        try:
            return render_models(service, folder, run)
        except ClassesMissing as exc:
            if templates is None or not inside(folder, templates):
                raise
            message = f"the class template wrote no line 'class <name>(' for {exc}; keep 'class {{{{ name }}}}('"
            raise SpecError([Diagnostic((folder / Path(MODEL_TEMPLATE).name).as_posix(), message=message)]) from None
        except SyntaxError as exc:
            # dmcg parses each class it rendered: the class template wrote code that is not Python.
            if templates is None or not inside(folder, templates):
                raise
            line = " ".join((exc.text or "").split())[:120]
            message = f"the class template wrote code that is not valid Python ({exc.msg}: {line!r}); fix it there"
            raise SpecError([Diagnostic((folder / Path(MODEL_TEMPLATE).name).as_posix(), message=message)]) from None


def examples_data(service: ServiceVersion) -> str:
    data = {action.name: [_example_data(e) for e in action.examples] for action in service.actions if action.examples}
    # One action per line: compact, yet a changed example shows as one changed line.
    lines = [f"{json.dumps(name)}:{_compact_json(data[name])}" for name in sorted(data)]
    return "{\n" + ",\n".join(lines) + "\n}\n" if lines else "{}\n"


def _example_data(example: Example) -> dict[str, Any]:
    """One example as ``examples.json`` holds it: the answer's envelope, or the events of a stream."""
    data = {"title": example.title, "request": json.loads(example.request_json)}
    if example.events_json:
        data["events"] = json.loads(example.events_json)
    else:
        data["response"] = json.loads(example.response_json)
    return data


def _compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
