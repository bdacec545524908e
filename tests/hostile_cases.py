"""Broken and hostile spec trees, each with the exact outcome it must give.

Every case starts from BASE (a small valid tree) and overrides or adds
files. ``expect`` is either OK (the input is legitimately valid: output must
compile, be black-clean and pass mypy) or the list of error lines, where
``{root}`` stands for the spec folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OK: list[str] = []

SERVICE = 'service: demo\nversion: "2020-01-01"\nendpoint: demo.tencentcloudapi.com\n'
PING = (
    "action: Ping\nsummary: Ping.\nrequest:\n  type: object\n  required: [Id]\n  properties:\n"
    "    Id: {type: string, description: The id.}\nresponse:\n  type: object\n  properties:\n"
    "    Echo: {type: string}\n"
)
BASE = {
    "common/errors.yaml": "errors:\n  InternalError: Internal error.\n  AuthFailure.SignatureFailure: Bad signature.\n",
    "demo/2020-01-01/service.yaml": SERVICE,
    "demo/2020-01-01/Ping.yaml": PING,
}
P = "{root}/demo/2020-01-01/Ping.yaml"
S = "{root}/demo/2020-01-01/service.yaml"
LAYOUT = "expected <service>/<version>/service.yaml with the actions' .yaml files"


def action(body: str, name: str = "Ping") -> str:
    return f"action: {name}\nrequest: {{type: object, properties: {{}}}}\nresponse: {{type: object, properties: {{}}}}\n{body}"


def doc(text: str) -> str:
    """A Ping action whose request description is ``text`` (a YAML double-quoted scalar)."""
    return (
        "action: Ping\nrequest:\n  type: object\n  description: " + text + "\n  properties:\n"
        "    Id: {type: string, description: " + text + "}\nresponse: {type: object, properties: {}}\n"
    )


@dataclass
class Case:
    name: str
    files: dict[str, str | bytes]
    expect: list[str] = field(default_factory=list)


CASES = [
    # --- files that are not YAML, or not the right kind of YAML
    Case(
        "yaml syntax error",
        {P[7:]: "action: Ping\nrequest: [unclosed\n"},
        [f"{P}:3:1: invalid YAML: expected ',' or ']', but got '<stream end>'"],
    ),
    Case(
        "tab indentation",
        {P[7:]: "action: Ping\n\trequest: {}\n"},
        [f"{P}:2:1: invalid YAML: found character '\\t' that cannot start any token"],
    ),
    Case("empty file", {P[7:]: ""}, [f"{P}:1:1: the file is empty"]),
    Case("only a comment", {P[7:]: "# nothing\n"}, [f"{P}:1:1: the file is empty"]),
    Case("binary garbage", {P[7:]: b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe"}, [f"{P}: not UTF-8 text (byte 0)"]),
    Case(
        "NUL byte in text", {P[7:]: "action: Pi\x00ng\n"}, [f"{P}:1:11: invalid YAML: character #x0000 is not allowed"]
    ),
    Case("byte order mark is accepted", {P[7:]: "\ufeff" + PING}, OK),
    Case(
        "top level is a list",
        {P[7:]: "- action: Ping\n"},
        [f"{P}:1:1: top level: [{{'action': 'Ping'}}] is not of type 'object'"],
    ),
    Case("top level is a string", {P[7:]: "hello\n"}, [f"{P}:1:1: top level: 'hello' is not of type 'object'"]),
    Case("duplicate key", {P[7:]: PING + "action: Ping\n"}, [f"{P}:12:1: duplicate key 'action'"]),
    Case(
        "yaml alias bomb",
        {P[7:]: "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"},
        [f"{P}:1:4: YAML aliases are not allowed in specs"],
    ),
    Case("deep nesting", {P[7:]: "a: " + "[" * 80 + "]" * 80 + "\n"}, [f"{P}:1:67: nested more than 64 levels deep"]),
    # --- wrong content
    Case(
        "unknown top-level key",
        {P[7:]: PING + "colour: red\n"},
        [f"{P}:1:1: top level: Additional properties are not allowed ('colour' was unexpected)"],
    ),
    Case(
        "missing request and response",
        {P[7:]: "action: Ping\n"},
        [
            f"{P}:1:1: top level: 'request' is a required property",
            f"{P}:1:1: top level: 'response' is a required property",
        ],
    ),
    Case(
        "wrong value type",
        {P[7:]: PING.replace("summary: Ping.", "summary: [1, 2]")},
        [f"{P}:2:10: summary: [1, 2] is not of type 'string'"],
    ),
    Case(
        "unknown property type",
        {P[7:]: PING.replace("Id: {type: string", "Id: {type: strng")},
        [
            f"{P}:7:16: request/properties/Id/type: 'strng' is not one of ['string', 'integer', 'number', 'boolean', 'bytes', 'array']",
        ],
    ),
    Case(
        "array without items",
        {
            P[7:]: action("").replace(
                "request: {type: object, properties: {}}", "request: {type: object, properties: {L: {type: array}}}"
            )
        },
        [
            f"{P}:2:41: request/properties/L: 'items' is a required property",
        ],
    ),
    Case(
        "inline object instead of $ref",
        {
            P[7:]: action("").replace(
                "request: {type: object, properties: {}}", "request: {type: object, properties: {O: {type: object}}}"
            )
        },
        [
            f"{P}:2:48: request/properties/O/type: 'object' is not one of ['string', 'integer', 'number', 'boolean', 'bytes', 'array']",
        ],
    ),
    Case(
        "unquoted version is a date",
        {S[7:]: SERVICE.replace('"2020-01-01"', "2020-01-01")},
        [f"{S}:2:10: version: YAML read 2020-01-01 as a date; quote it to keep it a string"],
    ),
    Case(
        "service folder mismatch",
        {S[7:]: SERVICE.replace("service: demo", "service: other")},
        [f"{S}:1:10: service 'other' version '2020-01-01' must live in other/2020-01-01/, not demo/2020-01-01/"],
    ),
    Case("service.yaml missing", {S[7:]: None}, [f"{P}: service.yaml is missing in demo/2020-01-01/"]),  # type: ignore[dict-item]
    # Without a table of its own, a spec folder uses the one shipped with the generator.
    Case("common errors missing", {"common/errors.yaml": None}, OK),  # type: ignore[dict-item]
    # --- spec files where none are read: never an empty package in their place
    Case(
        "service versions a level too deep",
        {S[7:]: None, P[7:]: None, "v1/" + S[7:]: SERVICE, "v1/" + P[7:]: PING},  # type: ignore[dict-item]
        [f"{{root}}: no service versions in this folder ({LAYOUT}); they are further down: give {{root}}/v1"],
    ),
    Case(
        "action files beside the common table",
        {S[7:]: None, P[7:]: None, "Ping.yaml": PING},  # type: ignore[dict-item]
        [f"{{root}}: no service versions in this folder ({LAYOUT}); give the folder that holds them"],
    ),
    Case(
        "error categories named like the runtime's exceptions",
        {
            "common/errors.yaml": "errors:\n  InternalError: i\n  Response.Broken: r\n  SDK: s\n  TransportError.Lost: t\n"
        },
        OK,
    ),
    Case(
        "action name differs from file name",
        {P[7:]: PING.replace("action: Ping", "action: Pong")},
        [f"{P}:1:9: action 'Pong' must be in a file named Pong.yaml"],
    ),
    Case(
        "dangling $ref",
        {P[7:]: PING.replace("Echo: {type: string}", "Echo: {$ref: '#/types/Nowhere'}")},
        [f"{P}:11:18: unknown type 'Nowhere'"],
    ),
    Case(
        "$ref outside the types",
        {P[7:]: PING.replace("Echo: {type: string}", "Echo: {$ref: '../../etc/passwd'}")},
        [
            f"{P}:11:18: response/properties/Echo/$ref: '../../etc/passwd' does not match '^#/types/[A-Za-z][A-Za-z0-9_]*$'",
        ],
    ),
    Case(
        "required property not defined",
        {P[7:]: PING.replace("required: [Id]", "required: [Id, Ghost]")},
        [f"{P}:5:13: required property 'Ghost' is not defined"],
    ),
    Case(
        "RequestId declared",
        {P[7:]: PING.replace("Echo: {type: string}", "RequestId: {type: string}")},
        [f"{P}:11:16: RequestId is implicit in every response; remove it"],
    ),
    Case(
        "required self-reference cycle",
        {
            S[7:]: SERVICE
            + "types:\n  Loop:\n    type: object\n    required: [Next]\n    properties:\n      Next: {$ref: '#/types/Loop'}\n"
        },
        [
            f"{S}:6:5: type 'Loop' can never be built: its required fields lead back to it (Loop.next -> Loop)",
        ],
    ),
    Case(
        "optional self-reference is fine",
        {S[7:]: SERVICE + "types:\n  Loop:\n    type: object\n    properties:\n      Next: {$ref: '#/types/Loop'}\n"},
        OK,
    ),
    Case(
        "two-type required cycle",
        {
            S[7:]: SERVICE
            + "types:\n  A: {type: object, required: [B], properties: {B: {$ref: '#/types/B'}}}\n  B: {type: object, required: [A], properties: {A: {$ref: '#/types/A'}}}\n"
        },
        [
            f"{S}:5:6: type 'A' can never be built: its required fields lead back to it (A.b -> B.a -> A)",
            f"{S}:6:6: type 'B' can never be built: its required fields lead back to it (B.a -> A.b -> B)",
        ],
    ),
    # --- names
    Case(
        "action name not an identifier",
        {P[7:]: PING.replace("action: Ping", "action: Pi-ng")},
        [f"{P}:1:9: action: 'Pi-ng' does not match '^[A-Za-z][A-Za-z0-9_]*$'"],
    ),
    Case(
        "property name with a path",
        {P[7:]: PING.replace("Id: {type", "../x: {type").replace("[Id]", "['../x']")},
        [
            f"{P}:5:14: request/required/0: '../x' does not match '^[A-Za-z][A-Za-z0-9_]*$'",
            f"{P}:7:5: request/properties: '../x' does not match '^[A-Za-z][A-Za-z0-9_]*$'",
        ],
    ),
    Case(
        "service name with a path",
        {S[7:]: SERVICE.replace("service: demo", "service: ../../tmp")},
        [f"{S}:1:10: service: '../../tmp' does not match '^[a-z][a-z0-9_]*$'"],
    ),
    Case(
        "absolute endpoint path",
        {S[7:]: SERVICE.replace("endpoint: demo.tencentcloudapi.com", "endpoint: /etc/passwd")},
        [f"{S}:3:11: endpoint: '/etc/passwd' does not match '^[A-Za-z0-9.-]+$'"],
    ),
    Case(
        "extremely long name",
        {P[7:]: PING.replace("Id: {type", "I" + "d" * 200 + ": {type").replace("[Id]", "[]")},
        [
            f"{P}:7:5: request/properties: 'Iddddd...",
        ],
    ),
    Case(
        "keyword and builtin names",
        {
            P[7:]: action("").replace(
                "request: {type: object, properties: {}}",
                "request: {type: object, properties: {From: {type: string}, Class: {type: string}, Self: {type: string}, Field: {type: string}, List: {type: string}, None: {type: string}}}",
            )
        },
        OK,
    ),
    Case(
        "names colliding after snake_case",
        {
            P[7:]: action("").replace(
                "request: {type: object, properties: {}}",
                "request: {type: object, properties: {AppID: {type: string}, AppId: {type: string}, App_Id: {type: string}}}",
            )
        },
        OK,
    ),
    Case(
        "type named like a builtin",
        {
            S[7:]: SERVICE
            + "types:\n  str: {type: object, properties: {X: {type: integer}}}\n  None: {type: object, properties: {}}\n"
        },
        OK,
    ),
    Case(
        # Class names start uppercase, so the field ``node`` cannot shadow the
        # class in the annotations that follow it (mypy --strict checks).
        "lowercase type used by a field of its own name",
        {
            S[7:]: SERVICE
            + "types:\n  node:\n    type: object\n    properties:\n"
            + "      Node: {$ref: '#/types/node'}\n      Other: {$ref: '#/types/node'}\n",
            P[7:]: PING.replace("Echo: {type: string}", "Tree: {$ref: '#/types/node'}"),
        },
        OK,
    ),
    Case(
        "lowercase type colliding with its capitalized twin",
        {S[7:]: SERVICE + "types:\n  Node: {type: object, properties: {}}\n  node: {type: object, properties: {}}\n"},
        [f"{S}:6:9: type 'node' and 'Node' both become 'Node'"],
    ),
    Case(
        "type clashes with generated class",
        {S[7:]: SERVICE + "types:\n  PingRequest: {type: object, properties: {}}\n"},
        [f"{S}:5:16: type 'PingRequest' clashes with a class generated for {P}"],
    ),
    Case(
        "types colliding after naming",
        {S[7:]: SERVICE + "types:\n  None: {type: object, properties: {}}\n  None_: {type: object, properties: {}}\n"},
        [f"{S}:6:10: type 'None_' and 'None' both become 'None_'"],
    ),
    Case(
        "method names collide",
        {"demo/2020-01-01/GetURL.yaml": action("", "GetURL"), "demo/2020-01-01/GetUrl.yaml": action("", "GetUrl")},
        [
            "{root}/demo/2020-01-01/GetUrl.yaml:1:9: action 'GetUrl' and 'GetURL' both become the method 'get_url'",
        ],
    ),
    Case("action named like a client method", {"demo/2020-01-01/Close.yaml": action("", "Close")}, OK),
    Case(
        "response field named from_envelope",
        {P[7:]: PING.replace("Echo: {type: string}", "FromEnvelope: {type: string}")},
        OK,
    ),
    # --- error codes
    Case(
        "error code of the wrong shape",
        {P[7:]: PING + "errors:\n  'Bad Code!': nope\n"},
        [f"{P}:13:3: errors: 'Bad Code!' does not match '^[A-Za-z][A-Za-z0-9_]*(\\\\.[A-Za-z0-9_]+)*\\\\.?$'"],
    ),
    Case(
        "error code colliding with a common member",
        {
            P[7:]: PING
            + "errors:\n  Internal.Error: Looks like a common code.\n  InternalError: The common code again.\n"
        },
        OK,
    ),
    Case(
        "odd but real error codes",
        {
            P[7:]: PING
            + "errors:\n  'InvalidParameter.': trailing dot\n  UnsupportedOperation.NOT_SUPPORT_THIS_ACTION: underscores\n"
        },
        OK,
    ),
    # --- examples: one answer or a stream of events
    Case(
        "events in an action that does not stream",
        {P[7:]: PING + "examples:\n  - request: {Id: a}\n    events: [{Echo: a}]\n"},
        [f"{P}:13:5: only a streaming action (`streaming: true`) answers with events"],
    ),
    Case(
        "example with both a response and events",
        {
            P[7:]: PING
            + "streaming: true\nexamples:\n  - request: {Id: a}\n    response: {Response: {}}\n    events: [{}]\n"
        },
        [f"{P}:14:5: an example needs either `response` (one answer) or `events` (a stream), not both"],
    ),
    Case(
        "example with no answer",
        {P[7:]: PING + "streaming: true\nexamples:\n  - request: {Id: a}\n"},
        [f"{P}:14:5: an example needs either `response` (one answer) or `events` (a stream), not both"],
    ),
    Case(
        "empty event list",
        {P[7:]: PING + "streaming: true\nexamples:\n  - events: []\n"},
        [f"{P}:14:13: examples/0/events: [] should be non-empty"],
    ),
    Case(
        "event stream example",
        {P[7:]: PING + 'streaming: true\nexamples:\n  - events: [{Echo: "a\\nb"}, {Error: {Code: X}}, "[DONE]"]\n'},
        OK,
    ),
    # --- documentation text
    Case("triple quotes and backslashes", {P[7:]: doc('"Has \\"\\"\\" and \'\'\' and a trailing backslash \\\\"')}, OK),
    Case("template syntax", {P[7:]: doc('"{{ 7*7 }} {% raw %} {# c #} ${x} %(y)s"')}, OK),
    Case("control characters", {P[7:]: doc('"NUL \\0 bell \\a escape \\e vertical \\v formfeed \\f"')}, OK),
    Case(
        "unicode separators and bidi marks",
        {P[7:]: doc('"line\\Lsep\\Ppara \\u200f rtl \\u202e override \\u2066 isolate"')},
        OK,
    ),
    Case("code in documentation", {P[7:]: doc('"\\"\\"\\"\\nimport os; os.system(\'rm -rf /\')\\n\\"\\"\\""')}, OK),
    # A line ending in "..." is matched as a prefix (the message cuts the value short).
    Case(
        "huge documentation",
        {P[7:]: doc('"' + "x" * 200001 + '"')},
        [
            f"{P}:4:16: request/description: 'xxxx...",
            f"{P}:6:37: request/properties/Id/description: 'xxxx...",
        ],
    ),
]
