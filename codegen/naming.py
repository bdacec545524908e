"""Every decision about Python names, in one pure module.

Wire names (``SdkAppId``, ``AuthFailure.SignatureFailure``) become Python names
here and nowhere else, so the rules can be read and tested in one place:
snake_case attributes, UPPER_SNAKE enum members, module names for services and
versions, and deterministic suffixes when two wire names map to one Python name.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Sequence

# Names an annotation in a generated model may use. A field named like one of
# them would shadow it inside the class body, where msgspec resolves the
# annotations, so such fields get a trailing underscore like keywords do.
ANNOTATION_NAMES = frozenset({"str", "int", "float", "bool", "bytes", "list", "None"})

# "self" would clash with the client methods' first parameter and
# "extra_params" with the keyword every client method takes; datamodel-code-
# generator refuses an attribute named "field" (its msgspec helper's name).
_RESERVED = (
    frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | ANNOTATION_NAMES | {"self", "field", "extra_params"}
)

_ACRONYM_BOUNDARY = re.compile(r"([A-Z]+)([A-Z][a-z])")
_WORD_BOUNDARY = re.compile(r"([a-z0-9])([A-Z])")
_NOT_IDENTIFIER = re.compile(r"[^0-9A-Za-z_]+")
_UNDERSCORES = re.compile(r"_+")


def words(name: str) -> list[str]:
    """Split a wire name into words: ``CRInternalError`` -> CR, Internal, Error."""
    spaced = _NOT_IDENTIFIER.sub("_", name)
    spaced = _ACRONYM_BOUNDARY.sub(r"\1_\2", spaced)
    spaced = _WORD_BOUNDARY.sub(r"\1_\2", spaced)
    return [w for w in _UNDERSCORES.split(spaced) if w]


def snake_case(name: str) -> str:
    """``SdkAppId`` -> ``sdk_app_id``; ``AppID`` -> ``app_id``."""
    return "_".join(w.lower() for w in words(name))


def safe_identifier(name: str, fallback: str) -> str:
    """Make ``name`` a public identifier no keyword or annotation can clash with.

    Leading underscores are dropped (they mean "private" to readers and to
    tools), an empty or digit-led name gets ``fallback`` in front, and a
    reserved name gets a trailing underscore (``from`` -> ``from_``).
    """
    name = name.lstrip("_") or fallback
    if name[0:1].isdigit():
        name = f"{fallback}_{name}"
    if name in _RESERVED:
        name += "_"
    return name


def attribute_name(wire_name: str) -> str:
    """The Python attribute for a field's wire name."""
    return safe_identifier(snake_case(wire_name), "field")


# Attributes of the generated clients' base classes: an action named like one
# of them (``Close``) gets a trailing underscore instead of replacing it.
CLIENT_ATTRIBUTES = frozenset({"close", "aclose", "with_options", "endpoint", "region"})


def method_name(action: str) -> str:
    """The client method for an action: ``DismissRoom`` -> ``dismiss_room``."""
    name = safe_identifier(snake_case(action), "call")
    return name + "_" if name in CLIENT_ATTRIBUTES else name


def class_name(name: str) -> str:
    """A class name from an action name (kept as written: it is also the wire name)."""
    return safe_identifier(_NOT_IDENTIFIER.sub("_", name), "Type")


def type_class(name: str) -> str:
    """The class of a spec type: as written, with its first letter made uppercase.

    Attributes are always lowercase (``snake_case``), so a class name that
    starts uppercase can never be shadowed by an attribute of a model that
    uses it: a type ``node`` with fields ``Node`` and ``Other`` would
    otherwise give ``node: node | None`` then ``other: node | None``, where
    the second ``node`` is the attribute.
    """
    return class_name(name[:1].upper() + name[1:])


def enum_member(code: str) -> str:
    """``AuthFailure.UnRealNameAuthenticated`` -> ``AUTH_FAILURE_UN_REAL_NAME_AUTHENTICATED``."""
    return safe_identifier("_".join(w.upper() for w in words(code)), "CODE")


def service_module(service: str) -> str:
    """Package name of a service: ``trtc`` -> ``trtc``, ``as`` -> ``as_``."""
    return safe_identifier(snake_case(service), "service")


def version_module(version: str) -> str:
    """Package name of an API version: ``2019-07-22`` -> ``v20190722``."""
    return "v" + re.sub(r"[^0-9A-Za-z]", "", version)


def client_class(service: str) -> str:
    """Sync client class of a service: ``trtc`` -> ``TrtcClient``, ``as`` -> ``AsClient``."""
    return ("".join(w[:1].upper() + w[1:] for w in words(service)) or "Service") + "Client"


# The enum, in each service version's errors module, of every code its actions
# list beyond the common ones; an action named ``Service`` is refused.
SERVICE_ERROR_ENUM = "ServiceErrorCode"


def async_client_class(service: str) -> str:
    """Async client class of a service: ``trtc`` -> ``AsyncTrtcClient``."""
    return "Async" + client_class(service)


def action_constant(method: str) -> str:
    """client.py's module-level name of an action's description: ``dismiss_room`` -> ``_DISMISS_ROOM``."""
    return "_" + method.upper().rstrip("_")


def paging_constant(method: str) -> str:
    """client.py's module-level name of an action's paging description."""
    return action_constant(method) + "_PAGING"


def waiter_method(method: str) -> str:
    """The method that waits for an action's work: ``create_cloud_recording`` -> ``wait_for_create_cloud_recording``."""
    return "wait_for_" + method.rstrip("_")


def waiter_constant(method: str) -> str:
    """client.py's module-level name of an action's waiter description."""
    return action_constant(method) + "_WAITER"


def error_enum(action: str) -> str:
    """The error-code enum of an action (its class name): ``DismissRoom`` -> ``DismissRoomErrorCode``."""
    return action + "ErrorCode"


def disambiguate(wanted: Sequence[tuple[str, str]], taken: Iterable[str] = ()) -> dict[str, str]:
    """Give each ``(key, name)`` a distinct name, whatever the input order.

    Keys that want the same name are ordered by key (the wire name, which is
    unique); the first keeps the name and the others get ``_2``, ``_3``...
    Sorting makes the result independent of the order fields are declared in,
    so reordering a spec never swaps two attributes.
    """
    used = set(taken)
    result: dict[str, str] = {}
    by_name: dict[str, list[str]] = {}
    for key, name in wanted:
        by_name.setdefault(name, []).append(key)
    for name in sorted(by_name):
        for index, key in enumerate(sorted(by_name[name])):
            candidate = name if index == 0 else f"{name}_{index + 1}"
            suffix = index + 1
            while candidate in used:
                suffix += 1
                candidate = f"{name}_{suffix}"
            used.add(candidate)
            result[key] = candidate
    return result


# The runtime's own exception classes, defined in common/exceptions.py and
# exported again by common/errors.py beside the category classes.
RUNTIME_EXCEPTIONS = frozenset(
    {
        "SDKError",
        "TencentCloudError",
        "ResponseError",
        "HTTPStatusError",
        "InvalidJSONError",
        "MissingEnvelopeError",
        "ResponseShapeError",
        "StreamError",
        "TransportError",
        "CredentialsError",
        "RequestValidationError",
        "WaiterError",
    }
)


def category_class(prefix: str) -> str:
    """Exception class of an error category: ``AuthFailure`` -> ``AuthFailureError``.

    A category named like a runtime exception (``Response.Broken`` would make
    ``ResponseError``) becomes ``ResponseCodeError``, so it cannot replace it.
    """
    name = class_name(prefix)
    name = name if name.endswith("Error") else name + "Error"
    return name[: -len("Error")] + "CodeError" if name in RUNTIME_EXCEPTIONS else name
