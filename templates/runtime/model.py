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
Each response class gets its own ``from_envelope`` function on its first
answer, bound to that class's decoder, so the call itself finds nothing by
lookup.

This module holds the classes and that one decode, with the decoders it
uses. It imports ``meta`` and msgspec; ``envelope`` (which never imports
this module) only for an answer the typed decode did not settle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import msgspec

from .meta import NO_META, Deviation, Kept, ResponseMeta, kept_meta, new_meta

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


# gc=False: a response object itself is not tracked by the cyclic garbage
# collector (the models and lists inside it are). Tracking cost every answer
# a fifth of a small one's decode; the price is that a reference cycle a
# program makes through a response object (putting the response inside
# itself) is never freed.
class Response(Model, Kept, gc=False):
    """Base of every ``<Action>Response``.

    ``meta`` (a :class:`ResponseMeta`) tells how the answer arrived. It and
    the body the response was parsed from (``meta.raw`` reads it) are kept in
    a slot that is no field, so they change neither the JSON nor equality; a
    copy of the response keeps neither.
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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The function installed on a class's first answer (see _install)
        # decodes into that class: a subclass made afterwards gets the
        # general one back (one made before gets it from _install).
        inherited = next(
            vars(base)["from_envelope"]
            for base in cls.__mro__[1:]
            if "from_envelope" in vars(base)
        )
        if isinstance(inherited, staticmethod):
            type.__setattr__(cls, "from_envelope", _FROM_ENVELOPE)

    @property
    def meta(self) -> ResponseMeta:
        """HTTP status and headers, attempts, elapsed time, deviations, and the
        answer as it came (``raw``, ``unknown``)."""
        kept = getattr(self, "_kept", None)
        if isinstance(kept, ResponseMeta):
            return kept
        return NO_META if kept is None else kept_meta(NO_META, kept, type(self))

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
        # Reached until the class's first answer installs its own function.
        return _parse(cls, body, None, strict)


# The general from_envelope (see Response.__init_subclass__ and _install).
_FROM_ENVELOPE = vars(Response)["from_envelope"]


class ResponseWithErrorField(Response):
    """Base of a response model with an ``Error`` field of its own (a few
    services send one in successful answers).

    Its hidden field moves aside, so its answers are checked for an error
    envelope before the typed decode instead of by it.
    """

    _error: None = msgspec.field(default=None, name="Response.Error")


def _kept_body(response: Response) -> Any:
    """The body ``response`` keeps: in its slot, or in the meta held there."""
    kept = getattr(response, "_kept", None)
    if isinstance(kept, ResponseMeta):
        source = getattr(kept, "_kept", None)
        return None if source is None else source[0]
    return kept


def attach_meta(response: Response, meta: ResponseMeta) -> None:
    """Set what ``response.meta`` returns (it is held by ``response``).

    Its ``raw`` and ``unknown`` read the body ``response`` keeps, if any.
    """
    body = _kept_body(response)
    response._kept = meta if body is None else kept_meta(meta, body, type(response))


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
            _install(cls, decoder)
    return decoder


def _install(cls: type[R], decoder: msgspec.json.Decoder[_Envelope[R]]) -> None:
    """Give ``cls`` its own ``from_envelope``: the hot path of every call,
    one typed decode and the body kept (a reference: ``meta.raw`` decodes it
    only when read), with the decoder held by the function itself."""
    decode = decoder.decode

    def from_envelope(body: bytes | str | Mapping[str, Any], strict: bool = False) -> R:
        try:
            result: R = decode(body).Response  # type: ignore[arg-type]  # a mapping: TypeError
            result._kept = body
            return result
        except msgspec.ValidationError as exc:
            refused: msgspec.ValidationError | None = exc
        except Exception:  # noqa: BLE001 - a mapping, not JSON: the full path tells
            refused = None
        return _parse(cls, body, refused, strict)

    from_envelope.__doc__ = _FROM_ENVELOPE.__func__.__doc__
    from_envelope.__qualname__ = f"{cls.__qualname__}.from_envelope"
    type.__setattr__(cls, "from_envelope", staticmethod(from_envelope))
    for sub in cls.__subclasses__():  # made before: they would inherit it
        if "from_envelope" not in vars(sub):
            type.__setattr__(sub, "from_envelope", _FROM_ENVELOPE)


def keep(response: Response, body: Any) -> None:
    """Have ``response.meta.raw`` read ``body`` (a body as received, or a
    ``meta.InnerText``) instead of what it was parsed from; ``None`` drops it."""
    meta = getattr(response, "_kept", None)
    if not isinstance(meta, ResponseMeta):
        response._kept = body
    elif body is None:
        response._kept = msgspec.structs.replace(meta)  # a copy keeps no body
    else:
        response._kept = kept_meta(meta, body, type(response))


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
    response: R
    response, deviations = _envelope().parse(cls, body, refused, strict, decoder)
    if deviations:
        response._kept = new_meta(body, cls, deviations=deviations)
    else:
        response._kept = body
    return response


_ENVELOPE: Any = None


def _envelope() -> Any:
    """The ``envelope`` module: only answers the typed decode did not settle
    pay for importing it, and held here because a relative import statement
    costs a microsecond each time."""
    global _ENVELOPE
    if _ENVELOPE is None:
        from . import envelope

        _ENVELOPE = envelope
    return _ENVELOPE
