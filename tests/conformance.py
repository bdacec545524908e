"""Whole-corpus conformance, shared by tests/codegen/test_corpus.py and benchmarks/conformance.py.

Generates every service version of the shared Tencent Cloud descriptions,
compiles and imports every module, and runs every example through the
generated models. Policy for examples, which people write by hand and
translate:

- responses are parsed with ``from_envelope`` (numbers sent as strings are
  accepted, unknown fields ignored), first with ``strict=True``; one that
  does not match its model strictly must decode tolerantly (the default)
  with no data lost: every value of a known field can be read back, as it
  came, as its lossless coercion, or kept raw with its recorded deviation.
  The deviations are listed. An error example must raise the typed error
  with its code;
- a POST request body decodes into the request model and, encoded back,
  equals the original once the same policy is applied to the original
  (unknown fields dropped, numbers written as strings read as numbers);
- GET examples (flattened parameters, every value a string) must decode;
- outputs or inputs that are not JSON, and outputs without the ``Response``
  envelope (server-sent event streams), are errors in the data: counted
  apart, outside the percentages.

``run`` returns a :class:`Report`; ``print_report`` prints it with timings,
and ``record`` turns it into the JSON text that tests/codegen/test_corpus.py compares
with the committed tests/golden/corpus/report.json (timings left out).
"""

from __future__ import annotations

import importlib
import json
import logging
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import msgspec

from codegen.importers.tencent_api import request_body
from codegen.inputs import tencent_service_folders
from codegen.ir import Project
from codegen.pipeline import generate_files, load_project
from codegen.writer import write_tree

PACKAGE = "tccorpus"
# At least ten large services for mypy --strict in the regular run.
MYPY_SAMPLE = ("cvm", "vpc", "cdb", "clb", "tke", "trtc", "teo", "mps", "cls", "live", "ess", "lke")


@dataclass
class Report:
    service_versions: int = 0
    actions: int = 0
    modules: int = 0
    compiled: int = 0
    imported: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    data_errors: list[str] = field(default_factory=list)
    deviations: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def fail(self, kind: str, where: str, reason: str) -> None:
        self.counts[f"{kind} failed"] += 1
        self.counts[f"failure: {explain(reason)}"] += 1
        self.failures.append(f"{kind}: {where}: {reason}")

    @property
    def unexplained(self) -> list[str]:
        return [f for f in self.failures if explain(f) == UNEXPLAINED]


UNEXPLAINED = "not explained by the example"


def explain(reason: str) -> str:
    """Why an example failed, when the example itself is at fault."""
    if "Object missing required field" in reason:
        return "the example leaves out a field its spec requires"
    if "Expected `" in reason and "`, got `" in reason:
        return "the example has a value of another type than its spec says"
    return UNEXPLAINED


def generate(corpus: Path, out: Path, report: Report) -> Project:
    started = time.perf_counter()
    project = load_project(corpus, "tencentcloud")
    report.seconds["load and build"] = time.perf_counter() - started
    started = time.perf_counter()
    files = generate_files(project, PACKAGE)
    report.seconds["render and format"] = time.perf_counter() - started
    started = time.perf_counter()
    write_tree(files, out, PACKAGE)
    report.seconds["write"] = time.perf_counter() - started
    report.service_versions = len(project.services)
    report.actions = sum(len(s.actions) for s in project.services)
    return project


def compile_and_import(out: Path, report: Report) -> None:
    started = time.perf_counter()
    sys.path.insert(0, str(out))
    for path in sorted((out / PACKAGE).rglob("*.py")):
        report.modules += 1
        try:
            compile(path.read_bytes(), str(path), "exec")
            report.compiled += 1
        except SyntaxError as exc:
            report.fail("compile", str(path), str(exc))
            continue
        parts = path.relative_to(out).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        try:
            importlib.import_module(name)
            report.imported += 1
        except Exception as exc:  # noqa: BLE001 - every failure is reported
            report.fail("import", name, f"{type(exc).__name__}: {exc}")
    report.seconds["compile and import"] = time.perf_counter() - started


def _lax(value: Any) -> Any:
    """The original request as the lax policy reads it: numeric strings as numbers."""
    if isinstance(value, dict):
        return {k: _lax(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lax(v) for v in value]
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        try:
            return json.loads(text) if text and text[0] in "-0123456789" else value
        except ValueError:
            return value
    return value


def _same(original: Any, encoded: Any) -> bool:
    """Encoded equals original once unknown fields are dropped and strings read laxly."""
    if isinstance(original, dict) and isinstance(encoded, dict):
        return all(k in original and _same(original[k], v) for k, v in encoded.items())
    if isinstance(original, list) and isinstance(encoded, list):
        return len(original) == len(encoded) and all(_same(a, b) for a, b in zip(original, encoded, strict=True))
    return original == encoded or _lax(original) == encoded


def check_examples(corpus: Path, project: Project, report: Report) -> None:
    started = time.perf_counter()
    # Tolerant decoding warns once per action and place; the report lists them all.
    logging.getLogger(f"{PACKAGE}.common.tolerant").setLevel(logging.ERROR)
    by_folder = {f"{s.service}/{s.version}": s for s in project.services}
    from_tencent = {}
    for folder in tencent_service_folders(corpus):
        api = json.loads((folder / "api.json").read_text())
        meta = api.get("metadata", {})
        version = meta.get("apiVersion", "")
        from_tencent[folder] = by_folder[f"{meta.get('serviceShortName')}/{version}"]
    for folder, service in from_tencent.items():
        models = importlib.import_module(f"{PACKAGE}.{service.package}.{service.module}.models")
        errors_module = importlib.import_module(f"{PACKAGE}.common.errors")
        examples = json.loads((folder / "examples.json").read_text()).get("actions", {})
        for action in service.actions:
            request_cls = getattr(models, action.request.name)
            response_cls = getattr(models, action.response.name)
            for index, example in enumerate(examples.get(action.name, []), 1):
                where = f"{service.service}/{service.version} {action.name} #{index}"
                _check_response(example, response_cls, errors_module, where, report)
                _check_request(example, request_cls, where, report)
    report.seconds["examples"] = time.perf_counter() - started


def _check_response(example: dict[str, Any], response_cls: Any, errors_module: Any, where: str, report: Report) -> None:
    output = str(example.get("output", ""))
    try:
        body = json.loads(output)
    except ValueError:
        report.counts["response not JSON (data error)"] += 1
        report.data_errors.append(f"response not JSON: {where}")
        return
    if not isinstance(body, dict) or not isinstance(body.get("Response"), dict):
        report.counts["response without envelope (data error)"] += 1
        report.data_errors.append(f"response without envelope: {where}")
        return
    report.counts["responses"] += 1
    error = body["Response"].get("Error")
    strict = True
    try:
        try:
            parsed = response_cls.from_envelope(output, strict=True)
        except errors_module.ResponseShapeError as exc:
            if not exc.deviations:
                raise
            strict = False
            parsed = response_cls.from_envelope(output)
    except errors_module.TencentCloudError as exc:
        if isinstance(error, dict) and exc.code == error.get("Code"):
            report.counts["responses parsed"] += 1
            report.counts["error responses raised their typed error"] += 1
        else:
            report.fail("response", where, f"unexpected {type(exc).__name__}: {exc}")
        return
    except errors_module.SDKError as exc:
        report.fail("response", where, f"{type(exc).__name__}: {exc}")
        return
    if error is not None:
        report.fail("response", where, "error example parsed as a success")
        return
    found = {d.path: d for d in parsed.meta.deviations}
    lost = lost_data(body["Response"], response_cls, parsed, "", found)
    if lost:
        report.fail("response", where, "data lost at " + ", ".join(lost[:5]))
        return
    if strict:
        report.counts["responses matched strictly"] += 1
    else:
        report.counts["responses decoded tolerantly"] += 1
        report.counts["deviations"] += len(found)
        for deviation in parsed.meta.deviations:
            if deviation.value is msgspec.UNSET:
                got = "nothing (absent, kept None)"
            else:
                got = json.dumps(deviation.value)[:60] + (" (coerced)" if deviation.coerced else " (kept raw)")
            report.deviations.append(f"{where}: {deviation.path}: expected {deviation.expected}, got {got}")
    report.counts["responses parsed"] += 1


def _strip_optional(tp: Any) -> Any:
    if get_origin(tp) is Union or type(tp).__name__ == "UnionType":
        others = [a for a in get_args(tp) if a is not type(None)]
        return others[0] if len(others) == 1 else tp
    return tp


def _join(path: str, step: str | int) -> str:
    return f"{path}[{step}]" if isinstance(step, int) else (f"{path}.{step}" if path else step)


def lost_data(value: Any, tp: Any, out: Any, path: str, found: dict[str, Any]) -> list[str]:
    """Paths where a value of a known field cannot be read back from ``out``.

    A value is kept when it decoded as the model says (as the typed decoder
    takes it), or when a deviation at its path records it and ``out`` holds
    the raw value or its lossless coercion (JSON text, a one-element list).
    """
    deviation = found.get(path)
    if deviation is not None:
        if deviation.value != value:
            return [path]
        if not deviation.coerced:
            return [] if deviation.kept is out and out == value else [path]
        if isinstance(out, str):
            return [] if json.loads(out) == value else [path]
        if isinstance(out, list) and len(out) == 1:
            return lost_data(value, get_args(_strip_optional(tp))[0], out[0], _join(path, 0), found)
        return [path]
    tp = _strip_optional(tp)
    if value is None:
        return [] if out is None else [path]
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        if not isinstance(out, tp) or not isinstance(value, dict):
            return [path]
        lost = []
        for info in msgspec.structs.fields(tp):
            if info.encode_name in value:
                lost += lost_data(
                    value[info.encode_name], info.type, getattr(out, info.name), _join(path, info.encode_name), found
                )
        return lost
    if get_origin(tp) is list:
        if not isinstance(out, list) or not isinstance(value, list) or len(out) != len(value):
            return [path]
        return [
            p
            for i, (v, o) in enumerate(zip(value, out, strict=True))
            for p in lost_data(v, get_args(tp)[0], o, _join(path, i), found)
        ]
    try:
        return [] if out == msgspec.convert(value, tp, strict=False) else [path]
    except msgspec.ValidationError:
        return [path]


def _check_request(example: dict[str, Any], request_cls: Any, where: str, report: Report) -> None:
    text = str(example.get("input", ""))
    body = request_body(text)
    if body is None:
        report.counts["request not JSON (data error)"] += 1
        report.data_errors.append(f"request not JSON: {where}")
        return
    is_get = text.strip().startswith(("https://", "http://"))
    kind = "GET requests" if is_get else "JSON requests"
    report.counts[kind] += 1
    try:
        decoded = msgspec.convert(body, request_cls, strict=False)
    except msgspec.ValidationError as exc:
        report.fail(kind, where, str(exc))
        return
    encoded = json.loads(msgspec.json.encode(decoded))
    if is_get:
        report.counts[f"{kind} decoded"] += 1
    elif encoded == body:
        report.counts[f"{kind} round-tripped exactly"] += 1
    elif _same(body, encoded):
        report.counts[f"{kind} round-tripped under the lax policy"] += 1
    else:
        report.fail(kind, where, "encoded request differs from the example")


def check_error_enums(project: Project, report: Report) -> None:
    """Each action's enum holds exactly its own codes, each also in the service's enum under the same name."""
    for service in project.services:
        module = importlib.import_module(f"{PACKAGE}.{service.package}.{service.module}.errors")
        every = getattr(module, service.error_enum)
        for action in service.actions:
            members = {m.value: m.name for m in getattr(module, action.error_enum)}
            if members != {e.code: e.member for e in action.errors}:
                report.fail("error enum", f"{service.service} {action.name}", "codes missing or renamed")
            elif any(every(code).name != name for code, name in members.items()):
                report.fail("error enum", f"{service.service} {action.name}", "named unlike the service's enum")
            else:
                report.counts["error enums complete"] += 1


def run_mypy(out: Path, services: list[str], report: Report) -> None:
    started = time.perf_counter()
    targets = [str(p) for name in services for p in sorted((out / PACKAGE).glob(f"{name}/v*"))]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            f"{PACKAGE}/common",
            *[Path(t).relative_to(out).as_posix() for t in targets],
        ],
        cwd=out,
        capture_output=True,
        text=True,
    )
    report.seconds["mypy"] = time.perf_counter() - started
    report.counts["mypy --strict service versions"] = len(targets)
    if result.returncode != 0:
        report.fail("mypy", ",".join(services), result.stdout[-2000:])
    else:
        report.counts["mypy --strict passed"] = len(targets)


def black_check(out: Path, report: Report) -> None:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "black", "--check", "-q", PACKAGE], cwd=out, capture_output=True, text=True
    )
    report.seconds["black --check"] = time.perf_counter() - started
    if result.returncode != 0:
        report.fail("black", PACKAGE, result.stderr[-2000:])


def run(corpus: Path, out: Path, mypy_services: list[str] | None = None, with_black: bool = True) -> Report:
    report = Report()
    project = generate(corpus, out, report)
    compile_and_import(out, report)
    check_examples(corpus, project, report)
    check_error_enums(project, report)
    if with_black:
        black_check(out, report)
    if mypy_services:
        run_mypy(out, mypy_services, report)
    return report


def percent(report: Report, done: str, total: str) -> float:
    return 100.0 * report.counts[done] / max(1, report.counts[total])


def print_report(report: Report) -> None:
    print(f"service versions: {report.service_versions}")
    print(f"actions:          {report.actions}")
    print(f"modules:          {report.modules} generated, {report.compiled} compiled, {report.imported} imported")
    print(
        f"responses parsed: {report.counts['responses parsed']} / {report.counts['responses']} "
        f"({percent(report, 'responses parsed', 'responses'):.2f}%)"
    )
    print(
        f"  matched strictly:  {report.counts['responses matched strictly']} "
        f"({percent(report, 'responses matched strictly', 'responses'):.2f}%), "
        f"error examples raising their typed error: {report.counts['error responses raised their typed error']}"
    )
    print(
        f"  decoded tolerantly, no data lost: {report.counts['responses decoded tolerantly']} "
        f"({percent(report, 'responses decoded tolerantly', 'responses'):.2f}%), "
        f"with {report.counts['deviations']} deviations"
    )
    json_ok = (
        report.counts["JSON requests round-tripped exactly"]
        + report.counts["JSON requests round-tripped under the lax policy"]
    )
    print(
        f"JSON requests:    {json_ok} / {report.counts['JSON requests']} round-tripped "
        f"({report.counts['JSON requests round-tripped exactly']} exactly, "
        f"{report.counts['JSON requests round-tripped under the lax policy']} under the lax policy)"
    )
    print(f"GET requests:     {report.counts['GET requests decoded']} / {report.counts['GET requests']} decoded")
    done = report.counts["responses parsed"] + json_ok + report.counts["GET requests decoded"]
    total = report.counts["responses"] + report.counts["JSON requests"] + report.counts["GET requests"]
    print(f"all examples:     {done} / {total} ({100.0 * done / max(1, total):.2f}%)")
    for key in sorted(report.counts):
        if "data error" in key or key.startswith(("error", "mypy", "failure:")):
            print(f"{key}: {report.counts[key]}")
    for stage, seconds in report.seconds.items():
        print(f"time {stage}: {seconds:.1f}s")
    print(f"deviations: {len(report.deviations)}")
    for deviation in report.deviations:
        print(f"  {deviation}")
    print(f"failures: {len(report.failures)}")
    for failure in report.failures:
        print(f"  {failure}")


def record(report: Report, out: Path) -> str:
    """The report as stable JSON text: every count, failure, data error and
    deviation, sorted, with the output folder written as ``<out>``; no timings."""

    def stable(lines: list[str]) -> list[str]:
        return sorted(line.replace(str(out), "<out>") for line in lines)

    document = {
        "service versions": report.service_versions,
        "actions": report.actions,
        "modules": report.modules,
        "compiled": report.compiled,
        "imported": report.imported,
        "counts": dict(sorted(report.counts.items())),
        "failures": stable(report.failures),
        "data errors": stable(report.data_errors),
        "deviations": stable(report.deviations),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
