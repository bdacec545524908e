"""Event models inferred from example event streams (issue 24, item 4).

A streaming action whose description declares nothing but ``RequestId`` for
its answer gets the fields its example events show, marked
``inferred_from: examples``; see ``codegen/importers/event_models.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.build import build_project
from codegen.diagnostics import SpecError
from codegen.importers.tencent_api import convert
from codegen.loader import ImportedService, load_specs, validate

from ..spec_helpers import write_specs

ACTION = "SpeakSSE"


def api(response_members: list[dict[str, Any]] | None = None, **objects: Any) -> dict[str, Any]:
    """A service version with one action whose response declares ``response_members`` and RequestId."""
    request_id = {"name": "RequestId", "type": "string", "member": "string", "document": "The request's id."}
    text = {"name": "Text", "type": "string", "member": "string", "required": True, "document": "What to say."}
    return {
        "metadata": {"apiVersion": "2024-01-01", "serviceShortName": "voice", "serviceNameCN": "Voice"},
        "actions": {
            ACTION: {"name": "Speak", "input": f"{ACTION}Request", "output": f"{ACTION}Response", "status": "online"}
        },
        "objects": {
            f"{ACTION}Request": {"type": "object", "document": "Request.", "members": [text]},
            f"{ACTION}Response": {
                "type": "object",
                "document": f"{ACTION} response structure.",
                "members": [*(response_members or []), request_id],
            },
            **objects,
        },
    }


def examples(*streams: list[Any]) -> dict[str, Any]:
    """One example per stream, each event's data written as a ``data:`` line."""
    written = []
    for number, events in enumerate(streams):
        output = "".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events)
        written.append({"title": f"Stream {number}", "input": '{"Text": "hi"}', "output": output})
    return {"actions": {ACTION: written}}


def imported(*streams: list[Any], **api_options: Any) -> ImportedService:
    return convert(api(**api_options), None, examples(*streams), source="voice/v20240101")


def built(service: ImportedService) -> Any:
    """The imported documents, checked by the spec format and built: they are valid specs."""
    documents = service.documents("voice/v20240101/api.json")
    assert [problem for document in documents for problem in validate(document)] == []
    return build_project(documents)


def test_the_fields_of_the_events_become_the_response_and_error_events_stay_errors() -> None:
    chunk = {"Type": "chunk", "RequestId": "r1", "ChunkId": "c0", "Audio": "AAA=", "Seq": 0, "IsEnd": False}
    last = {**chunk, "ChunkId": "c1", "Seq": 1, "IsEnd": True}
    error = {"Type": "error", "RequestId": "r1", "Error": {"Code": "InternalError", "Message": "no"}}
    service = imported([chunk, error], [chunk, last, "[DONE]"])
    response = service.actions[ACTION]["response"]
    assert response["inferred_from"] == "examples"
    assert list(response["properties"]) == ["Type", "ChunkId", "Audio", "Seq", "IsEnd"]  # no RequestId, no Error
    assert response["required"] == ["Type", "ChunkId", "Audio", "Seq", "IsEnd"]
    assert {k: v["type"] for k, v in response["properties"].items()} == {
        "Type": "string",
        "ChunkId": "string",
        "Audio": "string",
        "Seq": "integer",
        "IsEnd": "boolean",
    }
    assert response["properties"]["Seq"]["description"] == "Inferred from the examples: present in every event (3)."
    assert response["description"].startswith(f"{ACTION} response structure.\n\nThe description declares no fields")
    assert "3 example events" in response["description"]
    assert any(f"{ACTION}: event model inferred from the examples: Type, ChunkId" in n for n in service.notes)
    project = built(service)
    (action,) = project.services[0].actions
    assert [f.py_name for f in action.response.fields] == ["type", "chunk_id", "audio", "seq", "is_end"]
    assert all(not f.required for f in action.response.fields)  # an answer never fails on a missing field
    assert action.response.inferred_from == "examples"


def test_nested_objects_become_types_and_arrays_take_their_items_type() -> None:
    first = {"Delta": {"Content": "a", "Seq": 0}, "Marks": [{"Begin": 0, "End": 1}], "Tags": ["x"], "Score": 1}
    second = {"Delta": {"Content": "b"}, "Marks": [{"Begin": 2, "End": 2.5, "Note": None}], "Tags": [], "Score": 0.5}
    service = imported([first, second])
    response = service.actions[ACTION]["response"]
    props = response["properties"]
    assert props["Delta"]["$ref"] == "#/types/SpeakSSEDelta"
    assert props["Marks"]["items"] == {"$ref": "#/types/SpeakSSEMarksItem"}
    assert props["Tags"]["type"] == "array" and props["Tags"]["items"] == {"type": "string"}
    assert props["Score"]["type"] == "number"  # an integer in one event, a fraction in the other
    types = service.service["types"]
    delta = types["SpeakSSEDelta"]
    assert delta["inferred_from"] == "examples" and delta["required"] == ["Content"]
    assert delta["properties"]["Seq"]["description"] == "Inferred from the examples: present in 1 of 2 objects."
    marks = types["SpeakSSEMarksItem"]["properties"]
    assert marks["End"]["type"] == "number" and marks["Begin"]["type"] == "integer"
    assert any("field Marks[].Note: left out" in note for note in service.notes)
    project = built(service)
    classes = {t.name: t for t in project.services[0].types}
    assert set(classes) == {"SpeakSSEDelta", "SpeakSSEMarksItem"}
    assert all(not f.required for t in classes.values() for f in t.fields)  # reached from a response


def test_fields_the_examples_cannot_type_are_left_out_with_a_note() -> None:
    service = imported([{"A": 1, "B": None, "C": None, "bad-name": 1, "D": []}, {"A": "one", "C": 3, "D": []}])
    props = service.actions[ACTION]["response"]["properties"]
    assert props == {
        "C": {
            "type": "integer",
            "nullable": True,
            "description": "Inferred from the examples: present in every event (2).",
        }
    }
    notes = "\n".join(service.notes)
    assert "field A: left out: its example values disagree (integer, string)" in notes
    assert "field B: left out: its examples give no value to infer a type from" in notes
    assert "field D[]: left out: its examples give no value" in notes  # empty arrays only
    assert "field 'bad-name': left out: not a name the spec format takes" in notes
    built(service)


def test_an_inferred_type_never_takes_a_name_in_use() -> None:
    taken = {"type": "object", "usage": "out", "document": "Another.", "members": []}
    service = imported([{"Delta": {"Content": "a"}}], SpeakSSEDelta=taken)
    assert service.actions[ACTION]["response"]["properties"]["Delta"]["$ref"] == "#/types/SpeakSSEDelta2"
    built(service)


@pytest.mark.parametrize(
    ("streams", "members"),
    [
        ([[{"Error": {"Code": "InternalError", "Message": "x"}, "RequestId": "r"}, "[DONE]"]], None),  # errors only
        ([[{"RequestId": "r"}]], None),  # nothing but the request id
        ([[{"Audio": "a"}]], [{"name": "Audio", "type": "string", "member": "string", "document": "Audio."}]),
    ],
    ids=["only-errors", "only-request-id", "declared"],
)
def test_nothing_is_inferred_when_the_examples_show_nothing_or_the_description_declares_fields(
    streams: list[list[Any]], members: list[dict[str, Any]] | None
) -> None:
    service = imported(*streams, response_members=members)
    response = service.actions[ACTION]["response"]
    assert "inferred_from" not in response and "required" not in response
    if members is None:
        assert response["properties"] == {}
        assert any("no example event shows one" in note for note in service.notes)
    else:
        assert list(response["properties"]) == ["Audio"]


def test_a_place_inferred_from_the_examples_is_reported_there() -> None:
    service = imported([{"Delta": {"Content": "a"}}])
    # A spec problem found later points into examples.json, where the fields came from.
    service.actions[ACTION]["response"]["properties"]["Delta"]["$ref"] = "#/types/Missing"
    with pytest.raises(SpecError) as caught:
        built(service)
    assert str(caught.value).startswith(f"voice/v20240101/examples.json#/actions/{ACTION}: unknown type 'Missing'")


_KINDS = {
    "string": st.text(max_size=4),
    "integer": st.integers(-(2**40), 2**40),
    "boolean": st.booleans(),
    "array": st.lists(st.text(max_size=3), min_size=1, max_size=3),
    "object": st.fixed_dictionaries({"Inner": st.integers(0, 9)}),
}


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(st.from_regex(r"[A-Z][a-z]{0,5}", fullmatch=True), st.sampled_from(sorted(_KINDS)), max_size=5),
    st.data(),
)
def test_inference_gives_back_the_kinds_and_presence_the_events_were_made_with(
    kinds: dict[str, str], data: st.DataObject
) -> None:
    fields = [name for name in kinds if name not in ("Error", "RequestId")]
    count = data.draw(st.integers(1, 4))
    events = []
    for _ in range(count):
        shown = data.draw(st.lists(st.sampled_from(fields), unique=True)) if fields else []
        events.append({"RequestId": "r", **{name: data.draw(_KINDS[kinds[name]]) for name in shown}})
    noise: list[Any] = [{"Error": {"Code": "InternalError", "Message": "m"}}, "[DONE]"]
    service = imported(events + noise)
    response = service.actions[ACTION]["response"]
    seen = [name for name in fields if any(name in event for event in events)]
    if not seen:
        assert response["properties"] == {}
        return
    props = response["properties"]
    assert set(props) == set(seen)
    for name, prop in props.items():
        if kinds[name] == "object":
            assert prop["$ref"] == f"#/types/{ACTION}{name}"
            assert service.service["types"][f"{ACTION}{name}"]["properties"]["Inner"]["type"] == "integer"
        elif kinds[name] == "array":
            assert prop == {**prop, "type": "array", "items": {"type": "string"}}
        else:
            assert prop["type"] == kinds[name]
    assert response.get("required", []) == [name for name in props if all(name in event for event in events)]
    built(service)


def test_the_spec_key_is_checked_and_named_in_the_model_docstring(tmp_path: Path) -> None:
    inferred = (
        "action: TalkSSE\nstreaming: true\nrequest:\n  type: object\n  properties: {{}}\n"
        "response:\n  type: object\n  inferred_from: {value}\n  properties:\n    Text: {{type: string}}\n"
    )
    bad = write_specs(tmp_path / "bad", {"demo/2020-01-01/TalkSSE.yaml": inferred.format(value="guesswork")})
    with pytest.raises(SpecError) as caught:
        load_specs(bad)
    assert str(caught.value) == (
        f"{bad}/demo/2020-01-01/TalkSSE.yaml:8:18: response/inferred_from: 'guesswork' is not one of ['examples']"
    )
    good = write_specs(tmp_path / "good", {"demo/2020-01-01/TalkSSE.yaml": inferred.format(value="examples")})
    from codegen.model_classes import _class_doc

    service = build_project(load_specs(good)).services[0]
    talk = next(a for a in service.actions if a.name == "TalkSSE")
    doc = _class_doc(talk.response, {a.name: a for a in service.actions})
    assert "Its fields were inferred from the spec's examples, not declared by the description" in doc
    assert "inferred" not in _class_doc(talk.request, {a.name: a for a in service.actions})
