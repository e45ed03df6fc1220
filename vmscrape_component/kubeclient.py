"""A read-only connection to a live cluster through the official ``kubernetes`` client.

The one place that loads a kubeconfig context, calls the API server and turns what can go wrong there
(no such kubeconfig or context, an unreachable server, a refused request, an answer that is not the
Kubernetes API's) into one :class:`~vmscrape_component.errors.VMScrapeError` of one line. Only ``list``
and ``get`` calls, each bounded by a timeout; nothing here writes to a cluster.

The ``kubernetes`` package is optional (``pip install 'vmscrape-component[live]'``); it is imported only
when :func:`connect` or :func:`api_client` is called. :func:`api_client` is the one client setup, also
used by the local control plane (``cluster/``) and its ready marker.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, VMScrapeError, flatten

__all__ = ["LIVE_EXTRA", "Cluster", "KubernetesMissing", "api_client", "connect"]

#: How to install the optional ``kubernetes`` package.
LIVE_EXTRA = "pip install 'vmscrape-component[live]'"


class KubernetesMissing(ImportError):
    """The optional ``kubernetes`` package is not installed; the message says how to install it."""


#: Seconds to connect, then to read one answer (one page of a list).
TIMEOUT = (5.0, 30.0)
#: Objects per page (the API server's ``limit``; ``continue`` fetches the next page).
PAGE = 500


def _where(context: str | None, kubeconfig: str | None) -> str:
    parts = [f"context {context!r}" if context else "current context"]
    if kubeconfig:
        parts.append(f"of {kubeconfig}")
    return "cluster " + " ".join(parts)


_one_line = flatten  # an API server's or the client's message on one line


class Cluster:
    """An open, read-only connection; use it in a ``with`` block (closes the connection pool).

    ``core``, ``discovery`` and ``custom`` are the client's ``CoreV1Api``, ``DiscoveryV1Api`` and
    ``CustomObjectsApi``; call them through :meth:`list_all` and :meth:`get` for the error handling."""

    def __init__(self, api: Any, host: str, where: str) -> None:
        from kubernetes import client

        self.host = host
        #: ``cluster context 'x' of FILE``: the object every problem is about.
        self.where = where
        self._api = api
        self.core = client.CoreV1Api(api)
        self.discovery = client.DiscoveryV1Api(api)
        self.custom = client.CustomObjectsApi(api)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._api.close()

    def fail(self, message: str) -> VMScrapeError:
        """The one-line error about this cluster."""
        return VMScrapeError([Problem(object=self.where, path="", message=_one_line(message))])

    def list_all(self, what: str, list_call: Callable[..., Any], **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item of one list (``what``: ``VMAgent objects``, for errors), page by page, as the API's
        own JSON."""
        token: str | None = None
        while True:
            page = dict(kwargs, limit=PAGE)
            if token:
                page["_continue"] = token
            body = self._call(f"listing {what}", list_call, **page)
            yield from body.get("items") or ()
            token = (body.get("metadata") or {}).get("continue")
            if not token:
                return

    def get(self, what: str, read_call: Callable[..., Any], *args: Any) -> dict[str, Any] | None:
        """One object as the API's JSON, ``None`` when it does not exist (404)."""
        from kubernetes.client.exceptions import ApiException

        try:
            return self._call(f"reading {what}", read_call, *args, missing_ok=True)
        except ApiException:  # raised by _call only for 404 with missing_ok
            return None

    def _call(
        self, doing: str, call: Callable[..., Any], *args: Any, missing_ok: bool = False, **kwargs: Any
    ) -> dict[str, Any]:
        import urllib3
        from kubernetes.client.exceptions import ApiException

        try:
            response = call(*args, _preload_content=False, _request_timeout=TIMEOUT, **kwargs)
            body = json.loads(response.data)
        except ApiException as exc:
            if missing_ok and exc.status == 404:
                raise
            why = f"{exc.status} {exc.reason}"
            if exc.status in (401, 403):
                why += " (the kubeconfig's credentials are not allowed to; RBAC)"
            raise self.fail(f"{doing}: {why}") from None
        except urllib3.exceptions.HTTPError as exc:
            raise self.fail(f"cannot reach the API server at {self.host}: {_reason(exc)}") from None
        except ValueError as exc:  # not JSON: not a Kubernetes API server
            raise self.fail(f"{doing}: not a Kubernetes API answer ({exc})") from None
        if not isinstance(body, dict):
            raise self.fail(f"{doing}: not a Kubernetes API answer (a JSON {type(body).__name__})")
        return body


def api_client(kubeconfig: str | None, context: str | None) -> Any:
    """A ``kubernetes.client.ApiClient`` for ``context`` of ``kubeconfig`` (``None``: the defaults), one try
    per request (an unreachable server is reported at once, not after urllib3's retries).

    Raises :class:`KubernetesMissing` without the ``kubernetes`` package; the client's own exceptions
    for a kubeconfig it cannot use (:func:`connect` turns them into one line)."""
    try:
        from kubernetes import client, config
    except ImportError:
        raise KubernetesMissing(f"needs the kubernetes package: {LIVE_EXTRA}") from None
    configuration = client.Configuration()
    config.load_kube_config(  # type: ignore[no-untyped-call]
        config_file=kubeconfig, context=context, client_configuration=configuration, persist_config=False
    )
    configuration.retries = False
    return client.ApiClient(configuration)


def connect(context: str | None = None, kubeconfig: str | None = None) -> Cluster:
    """A connection to ``context`` of ``kubeconfig`` (``None``: the kubeconfig's current context;
    ``$KUBECONFIG`` or ``~/.kube/config``). Raises :class:`VMScrapeError` (one line) when the
    ``kubernetes`` package is missing, or the kubeconfig or the context cannot be used."""
    where = _where(context, kubeconfig)

    def fail(message: str) -> VMScrapeError:
        return VMScrapeError([Problem(object=where, path="", message=_one_line(message))])

    try:
        from kubernetes.config.config_exception import ConfigException
    except ImportError:
        raise fail(f"reading a live cluster needs the kubernetes package: {LIVE_EXTRA}") from None

    if kubeconfig and not Path(kubeconfig).is_file():
        raise fail("cannot read the kubeconfig: no such file")
    if kubeconfig:
        from . import shapes
        from .manifests import parse_documents, read_text

        # Read once as every other input is (UTF-8, bounded depth, YAML): the client's own reader fails
        # on those with a traceback.
        for document in parse_documents(kubeconfig, read_text(kubeconfig)):
            shapes.check(document, shapes.KUBECONFIG, object=kubeconfig)
    try:
        api = api_client(kubeconfig, context)
    except (ConfigException, ValueError, yaml.YAMLError) as exc:  # ValueError: not UTF-8, not a mapping
        raise fail(f"cannot use the kubeconfig: {exc}") from None
    except (TypeError, AttributeError, KeyError) as exc:  # $KUBECONFIG or ~/.kube/config (checked above
        # when given as --kubeconfig) of the wrong shape: the client has no error of its own for it
        raise fail(f"cannot use the kubeconfig: wrong type of value ({exc})") from None
    except RecursionError:  # the same, nested too deep for the client's reader
        raise fail("cannot use the kubeconfig: nested too deep") from None
    except OSError as exc:
        raise fail(f"cannot read the kubeconfig: {exc.strerror or exc}") from None
    return Cluster(api, api.configuration.host, where)


def _reason(exc: BaseException) -> str:
    """The cause of a connection failure without urllib3's object reprs (``Connection refused``)."""
    cause: Any = exc
    while isinstance(getattr(cause, "reason", None), BaseException) and cause.reason is not cause:
        cause = cause.reason
    text = str(cause)
    # "HTTPConnection(host=.., port=..): Failed to .." or "<...HTTPConnection object at 0x..>: Failed to .."
    _, sep, tail = text.partition("): ") if text.startswith("HTTP") else text.partition(">: ")
    return tail if sep else text
