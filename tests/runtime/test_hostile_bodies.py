"""Hostile answer bodies (issue 22, items 2, 5 and 11): deep nesting, broken
encodings, duplicate keys, number spellings and lone surrogates give a typed
response or a typed error, never another exception; numbers kept as text are
the text that was sent; known secrets never reach an error or a log line."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..client_harness import Harness
from ..fake_tencent import Behaviour

DEPTHS = [1_000, 10_000, 100_000]
# Where the nesting sits: an unknown field, a field of the model, an error's message.
DEEP_BODIES = {
    "unknown field": '{{"Response": {{"RequestId": "r", "X": {deep}}}}}',
    "model field": '{{"Response": {{"TaskId": {deep}, "RequestId": "r"}}}}',
    "after a misfit": '{{"Response": {{"RequestId": 1, "TaskId": {deep}}}}}',
    "error message": '{{"Response": {{"Error": {{"Code": "InternalError", "Message": {deep}}}, "RequestId": "r"}}}}',
}


def deep(kind: str, depth: int) -> bytes:
    return DEEP_BODIES[kind].format(deep="[" * depth + "]" * depth).encode()


def response_class() -> Any:
    from tcsdk.trtc.v20190722 import models

    return models.DeleteCloudRecordingResponse


# --- item 5: nesting the decoder cannot follow -------------------------------------


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("kind", sorted(DEEP_BODIES))
@pytest.mark.parametrize("strict", [False, True])
def test_deep_nesting_is_an_invalid_json_error_naming_the_action(
    kind: str, depth: int, strict: bool, generated_on_path: Path
) -> None:
    from tcsdk.common.errors import InvalidJSONError

    cls = response_class()
    for body in (deep(kind, depth), deep(kind, depth).decode()):
        with pytest.raises(InvalidJSONError) as caught:
            cls.from_envelope(body, strict=strict)
        assert "DeleteCloudRecording" in str(caught.value) and "nested too deeply" in str(caught.value)
        assert caught.value.action == "DeleteCloudRecording"


@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_nesting_through_the_clients(depth: int, harness: Harness) -> None:
    from tcsdk.common.errors import InvalidJSONError

    for kind in ("unknown field", "model field", "error message"):
        for strict in (False, True):
            harness.server.then("DeleteCloudRecording", Behaviour("raw", body=deep(kind, depth)))
            with pytest.raises(InvalidJSONError) as caught:
                harness.run(lambda c: c.delete_cloud_recording(sdk_app_id=1, task_id="t"), strict=strict)
            assert caught.value.status == 200 and caught.value.action == "DeleteCloudRecording"
    # An error answer with another status: its error check decodes it too.
    harness.server.then("DeleteCloudRecording", Behaviour("status", status=500, body=deep("error message", depth)))
    with pytest.raises(InvalidJSONError) as caught:
        harness.run(lambda c: c.delete_cloud_recording(sdk_app_id=1, task_id="t"))
    assert caught.value.status == 500


# --- item 11: ambiguous envelopes, exact numbers, lone surrogates ------------------------

ERROR = '{"Error": {"Code": "InternalError", "Message": "m"}, "RequestId": "e"}'
SUCCESS = '{"TaskId": "t", "RequestId": "s"}'
AMBIGUOUS = [
    '{"Response": ' + ERROR + ', "Response": ' + SUCCESS + "}",
    '{"Response": ' + SUCCESS + ', "Response": ' + ERROR + "}",
    '{"Response": ' + ERROR + ', "Respons\\u0065": ' + SUCCESS + "}",
    '{"Response": {"Error": {"Code": "InternalError", "Message": "m"}, "Error": null, "RequestId": "e"}}',
    '{"Response": {"Error": null, "RequestId": "e", "\\u0045rror": {"Code": "InternalError"}}}',
]


@pytest.mark.parametrize("body", AMBIGUOUS)
def test_ambiguous_envelopes_are_a_shape_error(body: str, generated_on_path: Path) -> None:
    from tcsdk.common.errors import ResponseShapeError

    for form in (body, body.encode()):
        for strict in (False, True):
            with pytest.raises(ResponseShapeError, match="ambiguous envelope"):
                response_class().from_envelope(form, strict=strict)


def test_an_ambiguous_error_answer_through_the_clients(harness: Harness) -> None:
    from tcsdk.common.errors import ResponseShapeError

    harness.server.then("DeleteCloudRecording", Behaviour("raw", body=AMBIGUOUS[0].encode()))
    with pytest.raises(ResponseShapeError, match="ambiguous"):
        harness.run(lambda c: c.delete_cloud_recording(sdk_app_id=1, task_id="t"))


def test_equal_keys_elsewhere_are_not_ambiguous(generated_on_path: Path) -> None:
    body = b'{"Response": {"TaskId": "t", "RequestId": "r", "X": {"Response": 1, "Error": 2, "Response": 3}}}'
    assert response_class().from_envelope(body).task_id == "t"


# JSON's spellings of numbers (RFC 8259), the non-canonical ones included.
json_numbers = st.builds(
    lambda sign, whole, fraction, exponent: f"{sign}{whole}{fraction}{exponent}",
    st.sampled_from(["", "-"]),
    st.sampled_from(["0"]) | st.integers(1, 10**30).map(str),
    st.sampled_from([""]) | st.from_regex(r"\.[0-9]{1,8}", fullmatch=True),
    st.sampled_from([""]) | st.from_regex(r"[eE][+-]?[0-9]{1,3}", fullmatch=True),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=json_numbers, as_text=st.booleans(), in_list=st.booleans())
def test_numbers_kept_as_text_are_the_text_that_was_sent(
    number: str, as_text: bool, in_list: bool, generated_on_path: Path
) -> None:
    from tcsdk.common.errors import ResponseError
    from tcsdk.cvm.v20170312 import models

    try:
        msgspec.json.decode(number.encode())
        held = True
    except msgspec.ValidationError:  # out of a float's range: no Python value holds it
        held = False
    instance = f'{{"InstanceId": {number}, "InstanceState": "RUNNING"}}'
    inner = f"[{instance}]" if in_list else instance
    raw = f'{{"Response": {{"InstanceStatusSet": {inner}, "RequestId": "r"}}}}'
    body: Any = raw if as_text else raw.encode()
    if not held:
        with pytest.raises(ResponseError):
            models.DescribeInstancesStatusResponse.from_envelope(body)
        return
    response = models.DescribeInstancesStatusResponse.from_envelope(body)
    assert response.instance_status_set[0].instance_id == number
    found = {d.path: d for d in response.meta.deviations}
    assert found["InstanceStatusSet[0].InstanceId"].kept == number
    assert found["InstanceStatusSet[0].InstanceId"].coerced


@pytest.mark.parametrize(
    "body",
    [b'{"Response": {"RequestId": "\\ud800"}}', b'{"Response": {"RequestId": "r", "TaskId": "x\\udbff"}}'],
)
def test_a_lone_surrogate_is_an_honest_invalid_json_error(body: bytes, generated_on_path: Path) -> None:
    from tcsdk.common.errors import InvalidJSONError

    for form in (body, body.decode()):
        with pytest.raises(InvalidJSONError, match="lone UTF-16 surrogate") as caught:
            response_class().from_envelope(form)
        assert "truncated" not in str(caught.value)


# --- the family: any hostile body gives a typed outcome ---------------------------------


def nested(depth: int, opener: str) -> str:
    closer = {"[": "]", '{"a":': "}"}[opener]
    return opener * depth + "0" + closer * depth


hostile_values = st.one_of(
    json_numbers,
    st.sampled_from(['"\\ud800"', '"\\udc00x"', '"\\ud800\\u0041"', '"ok"', "null", "true", "[]", "{}"]),
    st.builds(nested, st.sampled_from([10, 1_000, 5_000]), st.sampled_from(["[", '{"a":'])),
    st.text(max_size=8).map(json.dumps),
)
hostile_keys = st.sampled_from(["TaskId", "RequestId", "Error", "Response", "Respons\\u0065", "X"])


@st.composite
def hostile_bodies(draw: st.DrawFn) -> bytes:
    pairs = draw(st.lists(st.tuples(hostile_keys, hostile_values), max_size=5))
    inner = "{" + ", ".join(f'"{k}": {v}' for k, v in pairs) + "}"
    outer = draw(st.lists(st.sampled_from(["Response", "Respons\\u0065", "Other"]), min_size=1, max_size=3))
    text = "{" + ", ".join(f'"{k}": {inner}' for k in outer) + "}"
    raw = text.encode()
    how = draw(st.sampled_from(["utf-8", "cut", "bad byte", "utf-16", "as is"]))
    if how == "cut":
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif how == "bad byte":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80"])) + raw[at:]
    elif how == "utf-16":
        raw = text.encode("utf-16")
    return raw


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=hostile_bodies(), strict=st.booleans(), as_text=st.booleans())
def test_any_hostile_body_gives_a_typed_outcome(
    body: bytes, strict: bool, as_text: bool, generated_on_path: Path
) -> None:
    from tcsdk.common.errors import ResponseError, TencentCloudError

    cls = response_class()
    form: Any = body
    if as_text:
        try:
            form = body.decode()
        except UnicodeDecodeError:
            pass
    try:
        response = cls.from_envelope(form, strict=strict)
    except (ResponseError, TencentCloudError) as exc:
        str(exc), repr(exc)  # both readable
    else:
        assert isinstance(response, cls)


# --- item 2 (part): known secrets in errors and tolerant warnings ----------------------

SECRET = "AKIDsecretvalue123"


def test_an_error_quoting_a_known_secret_hides_it(generated_on_path: Path) -> None:
    from tcsdk.common import redaction
    from tcsdk.common.errors import InvalidJSONError, TencentCloudError

    redaction.register(SECRET)
    body = {"Response": {"Error": {"Code": "AuthFailure", "Message": f"key {SECRET} is bad"}, "RequestId": SECRET}}
    with pytest.raises(TencentCloudError) as caught:
        response_class().from_envelope(json.dumps(body).encode())
    for text in (str(caught.value), repr(caught.value)):
        assert SECRET not in text and "<hidden>" in text
    with pytest.raises(InvalidJSONError) as broken:
        response_class().from_envelope(f'{{"Response": {{"RequestId": "{SECRET}", '.encode())
    for text in (str(broken.value), repr(broken.value), broken.value.excerpt):
        assert SECRET not in text


def test_a_secret_nested_under_a_harmless_path_is_not_logged(
    generated_on_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tcsdk.common import redaction, tolerant_report
    from tcsdk.cvm.v20170312 import models

    tolerant_report._LOGGED.clear()
    hidden = "sk-" + "7" * 12  # not registered: hidden because of its key
    body = {
        "Response": {
            "InstanceStatusSet": [
                {"InstanceId": {"Credentials": [{"SecretKey": hidden}]}},
                {"InstanceId": "i", "InstanceState": {"Note": f"quotes {SECRET}"}},
            ],
            "RequestId": "r",
        }
    }
    redaction.register(SECRET)
    with caplog.at_level(logging.WARNING):
        response = models.DescribeInstancesStatusResponse.from_envelope(json.dumps(body).encode())
    assert response.instance_status_set[0].instance_id == {"Credentials": [{"SecretKey": hidden}]}  # kept
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "InstanceStatusSet[0].InstanceId" in text and "InstanceStatusSet[1].InstanceState" in text
    assert hidden not in text and SECRET not in text


# A secret that a message would cut in two: scrubbed before the cut, so no
# first part of it is left at the end of an excerpt, a message or a log line.
CUT_SECRET = "QZXJ" + "k" * 36


def cut_body(prefix: str = "") -> bytes:
    """400 bytes with CUT_SECRET starting at byte 190 (the excerpts keep 200)."""
    head = prefix + "x" * (190 - len(prefix))
    return (head + CUT_SECRET).ljust(400, "y").encode()


def no_part_of_the_cut_secret(*texts: str) -> bool:
    return all(CUT_SECRET[:4] not in text for text in texts)


def test_a_secret_across_an_excerpts_end_leaves_no_part_behind(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    from tcsdk.common import redaction
    from tcsdk.common.errors import HTTPStatusError, InvalidJSONError, ResponseShapeError, TencentCloudError

    redaction.register(CUT_SECRET)
    call = lambda c: c.delete_cloud_recording(sdk_app_id=1, task_id="t")  # noqa: E731
    cases: list[tuple[Behaviour, type[Exception]]] = [
        (Behaviour("status", status=502, body=cut_body()), HTTPStatusError),
        (Behaviour("raw", body=cut_body('{"Response": ')), InvalidJSONError),
    ]
    message = cut_body().decode()
    no_code = {"Response": {"Error": {"Message": message}, "RequestId": "r"}}
    cases.append((Behaviour("raw", body=json.dumps(no_code).encode()), ResponseShapeError))
    coded = {"Response": {"Error": {"Code": "InvalidParameter", "Message": message}, "RequestId": "r"}}
    cases.append((Behaviour("raw", body=json.dumps(coded).encode()), TencentCloudError))
    for behaviour, expected in cases:
        harness.server.then("DeleteCloudRecording", behaviour)
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="tcsdk.common.client"), pytest.raises(expected) as caught:
            harness.run(call)
        error = caught.value
        texts = [str(error), repr(error), getattr(error, "excerpt", ""), getattr(error, "message", "")]
        lines = [r.getMessage() for r in caplog.records]
        assert lines, "the attempt is logged at DEBUG"
        assert no_part_of_the_cut_secret(*texts, *lines), (expected, texts, lines)


def test_the_common_clients_excerpt_is_scrubbed_before_it_is_cut(fake: Any, generated_on_path: Path) -> None:
    from tcsdk.common import redaction
    from tcsdk.common.client import CommonClient
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.errors import ResponseError

    from ..conftest import SECRET_ID, SECRET_KEY

    redaction.register(CUT_SECRET)
    fake.then("DescribeCallDetailInfo", Behaviour("raw", body=cut_body("[")))
    with CommonClient("trtc", "2019-07-22", Credentials(SECRET_ID, SECRET_KEY), endpoint=fake.url) as client:
        with pytest.raises(ResponseError) as caught:
            client.call("DescribeCallDetailInfo", {})
    assert no_part_of_the_cut_secret(str(caught.value), repr(caught.value), caught.value.excerpt)


# Letters no other test's message holds: the secrets registered here stay
# registered (up to the rotating pool's size) while the rest of the suite runs.
EXOTIC = "жλ€😀中ŝ"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    secret=st.text(st.sampled_from(EXOTIC), min_size=8, max_size=64),
    before=st.integers(0, 400),
    limit=st.integers(1, 300),
    as_bytes=st.booleans(),
)
def test_an_excerpt_never_keeps_any_part_of_a_registered_secret(
    secret: str, before: int, limit: int, as_bytes: bool, generated_on_path: Path
) -> None:
    from tcsdk.common import redaction

    redaction.register(secret)
    text = "a" * before + secret + "b" * 50
    cut = redaction.scrubbed_excerpt(text.encode() if as_bytes else text, limit)
    assert len(cut) <= limit
    assert not set(cut) & set(EXOTIC), cut
