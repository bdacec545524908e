"""Base classes of the generated models and the response envelope parser.

Every API 3.0 answer is ``{"Response": {...}}``. On success the object holds the
action's fields and ``RequestId``; on failure it holds ``Error`` with ``Code``
and ``Message``. :meth:`Response.from_envelope` reads either form.

Decoding policy: unknown fields are left out of the model (services add
fields without a new API version) but not lost: each response keeps the body
it was parsed from, and ``response.meta.raw`` decodes it when read (with
``meta.unknown`` listing what the model does not declare). Numbers and
booleans sent as strings are accepted (``"10"`` for an integer), and every
response field may be absent or null.

An answer that still does not fit its model is decoded again, tolerantly (see
the ``tolerant`` module): nothing of it is lost, and each place where it
disagreed is recorded as a :class:`Deviation` in ``response.meta.deviations``.
With ``strict=True`` such an answer raises
:class:`~.errors.ResponseShapeError` instead.

A successful answer costs one typed decode and one reference kept (to the
body: nothing is copied) and nothing else: every response
model has a hidden ``Error`` field typed ``None``, so an error envelope fails
that decode and only then is it read as an error (see :func:`parse_envelope`).

This module holds the classes and that one decode, with the decoders it
uses. It imports ``meta`` and msgspec; ``envelope`` (which never imports
this module) only for an answer the typed decode did not settle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import msgspec

from .meta import NO_META, Deviation, Kept, ResponseMeta, kept_meta

if TYPE_CHECKING:
    from typing import TypeAlias

    from .multipart import BinaryReader

# Everything past the one typed decode of an answer (error envelopes, bodies
# that do not fit) is in ``envelope``, imported when such an answer first
# arrives: importing the models, or a successful answer, loads neither it
# nor the exceptions.

__all__ = [
    "FileContent",
    "Model",
    "Request",
    "Response",
    "ResponseMeta",
    "Deviation",
    "parse_envelope",
]


class Model(msgspec.Struct, kw_only=True, omit_defaults=True, repr_omit_defaults=True):
    """Base of every generated type: keyword-only, unset fields left out of JSON."""


class Request(Model):
    """Base of every ``<Action>Request``. ``msgspec.json.encode(request)`` is the body.

    An upload's request (one with file fields) is sent as multipart/form-data
    instead; see the ``multipart`` module.
    """


if TYPE_CHECKING:
    FileContent: TypeAlias = bytes | bytearray | memoryview | BinaryReader
    """What a file field takes: the file's bytes, or a binary file object to read them from."""
else:
    # For msgspec, which reads the annotations of a request model only to
    # decode one (from JSON, base64 text, or a dict): what it decodes to.
    # The client never gives a request with a file field to msgspec whole
    # (see ``multipart``), so a file object there needs no type of its own.
    FileContent = bytes


R = TypeVar("R", bound="Response")


T = TypeVar("T")


class Response(Model, Kept, weakref=True):
    """Base of every ``<Action>Response``.

    ``meta`` (a :class:`ResponseMeta`) tells how the answer arrived; it is
    kept beside the fields, so it changes neither the JSON nor equality.
    The body the response was parsed from is kept in a slot that is no field
    (``meta.raw`` reads it); a copy of the response keeps none.
    """

    request_id: str = msgspec.field(name="RequestId")
    """The unique id the service gave this request; quote it when asking for support."""

    _error: None = msgspec.field(default=None, name="Error")
    # Not data: always None. An error envelope has an ``Error`` object, which
    # this type refuses, so the one typed decode of an answer also tells
    # errors apart and a success needs no second look (see parse_envelope).

    __action__: ClassVar[str] = ""
    # A generated response names its action; the action's error-code enum is
    # found by that name in the sibling ``errors`` module (its BY_ACTION),
    # imported only when an error arrives: importing the models should not
    # pay for building every enum.

    @property
    def meta(self) -> ResponseMeta:
        """HTTP status and headers, attempts, elapsed time, deviations, and the
        answer as it came (``raw``, ``unknown``)."""
        found = _METAS.get(id(self))
        if found is not None and found[0]() is self:
            return found[1]
        body = getattr(self, "_kept", None)
        return NO_META if body is None else kept_meta(NO_META, body, type(self))

    # ``strict`` is not keyword-only: CPython (3.11) runs a call of a method
    # with keyword-only parameters on its slow generic path, which costs this
    # hot path more than keeping the body does.
    @classmethod
    def from_envelope(
        cls: type[R], body: bytes | str | Mapping[str, Any], strict: bool = False
    ) -> R:
        """Parse a whole response body into this response type.

        ``body`` is the raw body (bytes or str) or an already decoded dict;
        the response keeps a reference to it for ``meta.raw`` (a dict is read
        as it is then: do not change it meanwhile). Raises the matching
        :class:`~.errors.TencentCloudError` subclass when the envelope carries
        an error, and a :class:`~.errors.ResponseError` subclass when the
        body is not a usable response.
        """
        # The hot path of every call: one typed decode, and the body kept
        # (a reference: ``meta.raw`` decodes it only when read).
        try:
            result: R = _FAST[cls].decode(body).Response  # type: ignore[arg-type]  # a mapping: TypeError
            result._kept = body
            return result
        except msgspec.ValidationError as exc:
            refused: msgspec.ValidationError | None = exc
        # First use, a mapping, not JSON: the full path tells.
        except Exception:  # noqa: BLE001
            refused = None
        return _parse(cls, body, refused, strict)


class ResponseWithErrorField(Response):
    """Base of a response model with an ``Error`` field of its own (a few
    services send one in successful answers).

    Its hidden field moves aside, so its answers are checked for an error
    envelope before the typed decode instead of by it.
    """

    _error: None = msgspec.field(default=None, name="Response.Error")


# response id -> (weak reference to it, its meta). Kept beside the responses,
# not in them: an instance __dict__ would give every response class a key
# table of its own (0.8 KiB each, a tenth of what the models add to msgspec).
_METAS: dict[int, tuple[Callable[[], object], ResponseMeta]] = {}


def attach_meta(response: Response, meta: ResponseMeta) -> None:
    """Set what ``response.meta`` returns (for as long as ``response`` lives).

    Its ``raw`` and ``unknown`` read the body ``response`` keeps, if any.
    """
    import weakref  # here: importing the models alone does not need it

    body = getattr(response, "_kept", None)
    if body is not None:
        meta = kept_meta(meta, body, type(response))
    key = id(response)
    pop = _METAS.pop  # bound now: at exit the module's names may already be cleared

    def forget(_: object) -> None:  # runs as the response is freed
        pop(key, None)

    _METAS[key] = (weakref.ref(response, forget), meta)


# Not tracked by the cyclic collector: it lives only while its answer is
# decoded and cannot be part of a cycle; tracking it cost every parse.
class _Envelope(msgspec.Struct, Generic[T], gc=False):
    Response: T


# The typed envelope decoder of each response class, made on its first
# answer; those whose decode alone tells an error envelope apart (the hidden
# field is "Error", not a ResponseWithErrorField) are in _FAST too.
_DECODERS: dict[type[Any], msgspec.json.Decoder[Any]] = {}
_FAST: dict[type[Any], msgspec.json.Decoder[Any]] = {}


def _decoder(cls: type[R]) -> msgspec.json.Decoder[_Envelope[R]]:
    decoder = _DECODERS.get(cls)
    if decoder is None:
        decoder = _DECODERS[cls] = msgspec.json.Decoder(_Envelope[cls], strict=False)  # type: ignore[valid-type]
        fields = cls.__struct_fields__
        if cls.__struct_encode_fields__[fields.index("_error")] == "Error":
            _FAST[cls] = decoder
    return decoder


def keep(response: Response, body: Any) -> None:
    """Have ``response.meta.raw`` read ``body`` (a body as received, or a
    ``meta.InnerText``) instead of what it was parsed from; ``None`` drops it."""
    response._kept = body
    found = _METAS.get(id(response))
    if found is not None and found[0]() is response:
        # A copy keeps no body: with ``body`` None the meta forgets the old one.
        meta = found[1] if body is not None else msgspec.structs.replace(found[1])
        attach_meta(response, meta)


def parse_envelope(
    cls: type[R], body: bytes | str | Mapping[str, Any], *, strict: bool = False
) -> R:
    """Read ``body`` as an envelope for ``cls``: ``cls.from_envelope(body)``."""
    return cls.from_envelope(body, strict=strict)


def _parse(
    cls: type[R],
    body: bytes | str | Mapping[str, Any],
    refused: msgspec.ValidationError | None,
    strict: bool,
) -> R:
    """An answer the fast path did not settle (``refused``: its decode error)."""
    decoder = _DECODERS.get(cls)
    if decoder is None:
        decoder = _decoder(cls)
        if cls in _FAST and not isinstance(body, Mapping):
            try:  # the class's first answer: the fast path had no decoder yet
                result: R = decoder.decode(body).Response
                result._kept = body
                return result
            except msgspec.ValidationError as exc:
                refused = exc
            except Exception:  # noqa: BLE001 - envelope reports it
                pass
    from . import envelope  # only answers the typed decode did not settle pay for it

    response, deviations = envelope.parse(cls, body, refused, strict, decoder)
    response._kept = body
    if deviations:
        attach_meta(response, ResponseMeta(deviations=deviations))
    return response
