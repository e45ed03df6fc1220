"""A :class:`~vmscrape_component.simulate.discovery.Snapshot` read from a live cluster instead of a file.

Lists what ``kubectl get namespaces,services,endpoints,endpointslices,pods -A -o yaml`` would (plus
``nodes`` when asked, for ``attach_metadata.node``) through the official ``kubernetes`` client, with the
kubeconfig's credentials, and hands the objects to the same parser a snapshot file goes through. Read-only:
only ``list`` calls, each bounded by a timeout.

The ``kubernetes`` package is optional (``pip install 'vmscrape-component[live]'``); it is imported only
here, only when a cluster is read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from .. import shapes
from ..errors import Problem, VMScrapeError
from .discovery import Snapshot, snapshot_from_objects

__all__ = ["load_cluster", "needs_nodes"]

#: Seconds to connect, then to read one page of a list.
TIMEOUT = (5.0, 30.0)
#: Objects per page (the API server's ``limit``; ``continue`` fetches the next page).
PAGE = 500


def needs_nodes(config: Mapping[str, Any]) -> bool:
    """Whether a rendered config's discovery attaches node metadata (so Nodes must be read)."""
    return any(
        bool((sd.get("attach_metadata") or {}).get("node"))
        for job in config.get("scrape_configs") or ()
        for sd in job.get("kubernetes_sd_configs") or ()
    )


def _where(context: str | None, kubeconfig: str | None) -> str:
    parts = [f"context {context!r}" if context else "current context"]
    if kubeconfig:
        parts.append(f"of {kubeconfig}")
    return "cluster " + " ".join(parts)


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def load_cluster(
    context: str | None = None,
    kubeconfig: str | None = None,
    *,
    nodes: bool | Callable[[Snapshot], bool] = False,
) -> Snapshot:
    """The cluster objects discovery reads, listed from ``context`` of ``kubeconfig`` (``None``: the
    kubeconfig's current context; ``$KUBECONFIG`` or ``~/.kube/config``).

    ``nodes``: whether to list Nodes too, or a function that decides from the snapshot read so far (e.g.
    render the config and ask :func:`needs_nodes`) — clusters often grant no cluster-wide Node reads. Raises
    :class:`~vmscrape_component.errors.VMScrapeError` (one problem, one line) when the kubeconfig or the
    context is missing, the server cannot be reached, or a list is refused."""
    where = _where(context, kubeconfig)

    def fail(message: str) -> VMScrapeError:
        return VMScrapeError([Problem(object=where, path="", message=_one_line(message))])

    try:
        import kubernetes  # noqa: F401 - optional dependency
        from kubernetes import client, config
        from kubernetes.client.rest import ApiException
        from kubernetes.config.config_exception import ConfigException
    except ImportError:
        raise fail(
            "reading a live cluster needs the kubernetes package: pip install 'vmscrape-component[live]'"
        ) from None
    import urllib3

    if kubeconfig and not Path(kubeconfig).is_file():
        raise fail("cannot read the kubeconfig: no such file")
    if kubeconfig:
        from ..manifests import parse_documents, read_text

        # Read once as every other input is (UTF-8, bounded depth, YAML): the client's own reader fails
        # on those with a traceback.
        for document in parse_documents(kubeconfig, read_text(kubeconfig)):
            shapes.check(document, shapes.KUBECONFIG, object=kubeconfig)
    configuration = client.Configuration()
    try:
        config.load_kube_config(
            config_file=kubeconfig, context=context, client_configuration=configuration, persist_config=False
        )
    except (ConfigException, ValueError, yaml.YAMLError) as exc:  # ValueError: not UTF-8, not a mapping
        raise fail(f"cannot use the kubeconfig: {exc}") from None
    except (TypeError, AttributeError, KeyError) as exc:  # $KUBECONFIG or ~/.kube/config (checked above
        # when given as --kubeconfig) of the wrong shape: the client has no error of its own for it
        raise fail(f"cannot use the kubeconfig: wrong type of value ({exc})") from None
    except RecursionError:  # the same, nested too deep for the client's reader
        raise fail("cannot use the kubeconfig: nested too deep") from None
    except OSError as exc:
        raise fail(f"cannot read the kubeconfig: {exc.strerror or exc}") from None
    # One try per request: an unreachable server is reported at once, not after urllib3's retries.
    configuration.retries = False
    api = client.ApiClient(configuration)
    core, discovery = client.CoreV1Api(api), client.DiscoveryV1Api(api)
    lists: list[tuple[str, str, Callable[..., Any]]] = [
        ("v1", "Namespace", core.list_namespace),
        ("v1", "Service", core.list_service_for_all_namespaces),
        ("v1", "Endpoints", core.list_endpoints_for_all_namespaces),
        ("discovery.k8s.io/v1", "EndpointSlice", discovery.list_endpoint_slice_for_all_namespaces),
        ("v1", "Pod", core.list_pod_for_all_namespaces),
    ]

    def read(lists: list[tuple[str, str, Callable[..., Any]]]) -> Snapshot:
        objects: list[dict[str, Any]] = []
        for api_version, kind, list_call in lists:
            try:
                objects.extend(_list_all(list_call, api_version, kind))
            except ApiException as exc:
                raise fail(f"listing {kind} objects: {exc.status} {exc.reason}") from None
            except urllib3.exceptions.HTTPError as exc:
                raise fail(f"cannot reach the API server at {configuration.host}: {_reason(exc)}") from None
            except ValueError as exc:  # not JSON: not a Kubernetes API server
                raise fail(f"listing {kind} objects: not a Kubernetes API answer ({exc})") from None
        return snapshot_from_objects(objects, where=where)

    try:
        snapshot = read(lists)
        if nodes(snapshot) if callable(nodes) else nodes:
            snapshot.nodes = read([("v1", "Node", core.list_node)]).nodes
    finally:
        api.close()
    return snapshot


def _reason(exc: BaseException) -> str:
    """The cause of a connection failure without urllib3's object reprs (``Connection refused``)."""
    cause: Any = exc
    while isinstance(getattr(cause, "reason", None), BaseException) and cause.reason is not cause:
        cause = cause.reason
    text = str(cause)
    # "HTTPConnection(host=.., port=..): Failed to .." or "<...HTTPConnection object at 0x..>: Failed to .."
    _, sep, tail = text.partition("): ") if text.startswith("HTTP") else text.partition(">: ")
    return tail if sep else text


def _list_all(list_call: Callable[..., Any], api_version: str, kind: str) -> Iterable[dict[str, Any]]:
    """Every item of one list, page by page, as the API's own JSON (``kind``/``apiVersion`` filled in, as
    ``kubectl get -o yaml`` shows them)."""
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"limit": PAGE, "_preload_content": False, "_request_timeout": TIMEOUT}
        if token:
            kwargs["_continue"] = token
        response = list_call(**kwargs)
        body = json.loads(response.data)
        for item in body.get("items") or ():
            yield {"apiVersion": api_version, "kind": kind, **item}
        token = (body.get("metadata") or {}).get("continue")
        if not token:
            return
