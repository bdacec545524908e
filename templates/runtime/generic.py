"""The generic client's part that is neither sync nor async: calling any action
with plain dicts, and reading its answers.

:class:`CommonResponse` is an answer's ``Response`` object as a dict;
:func:`common_call` makes the ``plan.Call`` of one call (names checked with
``wire``'s patterns, in full, before anything is sent); :class:`GenericClient`
is the part of ``CommonClient`` (``client``) and ``AsyncCommonClient``
(``aio``) that takes a service and version instead of generated class
attributes. The two classes live with their drivers, so that the sync
client never imports the async one.

The runtime's internal API: every name here without an underscore. This
module may import layers 0-4 (``wire``, ``retry``, ``exceptions``,
``credentials``, ``model``, ``plan``; ``envelope`` lazily, for an answer's error).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from . import exceptions, wire
from .calls import Call
from .credentials import Credentials, CredentialsProvider
from .model import Model, ResponseMeta
from .redaction import scrubbed_excerpt
from .retry import is_read_only

__all__ = ["CommonResponse", "GenericClient", "common_call", "common_target"]

_EXCERPT = 200


class CommonResponse(dict[str, Any]):
    """The ``Response`` object of an answer as a plain dict, ``RequestId`` included.

    ``meta`` holds the HTTP status and headers, attempts and elapsed time;
    ``meta.raw`` decodes the body anew (a copy to change freely), and
    ``meta.unknown`` is empty: without a model nothing is left out.
    """

    meta: ResponseMeta = ResponseMeta()
    _kept: bytes | None = None  # the body, for meta.raw

    @property
    def request_id(self) -> str:
        found = self.get("RequestId")
        return found if isinstance(found, str) else ""


def _excerpt(content: bytes) -> str:
    return scrubbed_excerpt(content, _EXCERPT)


def _read(action: str, content: bytes) -> CommonResponse | exceptions.SDKError:
    try:
        decoded = msgspec.json.decode(content)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        return exceptions.InvalidJSONError(
            f"{action}: response body is not valid JSON: {exc}",
            excerpt=_excerpt(content),
        )
    except RecursionError:
        # Nested deeper than the decoder goes: no answer of the API is.
        return exceptions.InvalidJSONError(
            f"{action}: response body is nested too deeply to decode",
            excerpt=_excerpt(content),
        )
    inner = decoded.get("Response") if isinstance(decoded, dict) else None
    if not isinstance(inner, dict):
        return exceptions.MissingEnvelopeError(
            "no Response object in the body", excerpt=_excerpt(content)
        )
    if "Error" in inner:
        from .envelope import error_in  # loaded on the first error only

        error = error_in(inner, action)
        if error is not None:
            return error
    response = CommonResponse(inner)
    response._kept = content  # for meta.raw: a reference to the body, no copy
    return response


def _parse(action: str, content: bytes) -> CommonResponse:
    result = _read(action, content)
    if isinstance(result, exceptions.SDKError):
        raise result
    return result


def _error(action: str, content: bytes) -> exceptions.SDKError | None:
    result = _read(action, content)
    return result if isinstance(result, exceptions.TencentCloudError) else None


def common_call(
    action: str, params: Mapping[str, Any] | Model | None, read_only: bool | None
) -> Call:
    """The plan's call for ``CommonClient.call`` (``ValueError`` for a bad action name)."""
    if not isinstance(action, str) or not wire.ACTION_NAME.match(action):
        raise ValueError(f"not an action name: {action!r}")
    if params is None:
        params = {}
    if isinstance(params, Model):
        token = getattr(params, "client_token", None)
    elif isinstance(params, Mapping):
        params = dict(params)
        token = params.get("ClientToken")
    else:
        raise TypeError(
            f"params must be a dict or a model, not {type(params).__name__}"
        )
    # Safe to repeat: read-only by the action-name rule unless the caller
    # says otherwise, or carrying an idempotency token.
    safe = (is_read_only(action) if read_only is None else read_only) or bool(token)
    return Call(
        action,
        msgspec.json.encode(params),
        safe,
        lambda content: _parse(action, content),
        lambda content: _error(action, content),
        None,
        params,
    )


def common_target(service: str, version: str) -> tuple[str, str, str]:
    """Service, version and default host of a generic client, checked."""
    if not isinstance(service, str) or not wire.SERVICE_NAME.match(service):
        raise ValueError(f"not a service name: {service!r}")
    if not isinstance(version, str) or not wire.VERSION_NAME.match(version):
        raise ValueError(f"not an API version (YYYY-MM-DD): {version!r}")
    return service, version, f"{service}.tencentcloudapi.com"


class GenericClient:
    """Mixed into ``CommonClient`` and ``AsyncCommonClient``, before their driver base.

    ``CommonClient("cvm", "2017-03-12", region="ap-guangzhou")`` takes the
    service and version (checked here) and the generated clients' options.
    """

    _names: tuple[str, str, str]

    def __init__(
        self,
        service: str,
        version: str,
        credentials: CredentialsProvider | Credentials | None = None,
        **options: Any,
    ) -> None:
        self._names = common_target(service, version)
        super().__init__(credentials, **options)  # type: ignore[call-arg]

    def _target(self) -> tuple[str, str, str]:
        return self._names

    def __repr__(self) -> str:
        service, version, _ = self._names
        endpoint: str = getattr(self, "endpoint", "")
        region: str | None = getattr(self, "region", None)
        return (
            f"{type(self).__name__}({service!r}, {version!r},"
            f" endpoint={endpoint!r}, region={region!r})"
        )
