"""Names of labels and objects: Prometheus label names, Kubernetes label keys and values, DNS names.

Prometheus label names follow vmagent (``[a-zA-Z_][a-zA-Z0-9_]*``, and ``SanitizeLabelName`` for the
labels discovery derives from Kubernetes label keys); the Kubernetes forms follow apimachinery's
validation, which the API server applies.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "dns_label_problem",
    "dns_subdomain_problem",
    "label_key_problem",
    "label_name_problem",
    "label_value_problem",
    "sanitize_label_name",
    "secret_key_problem",
]

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_CAPTURE_REF = re.compile(r"\$(?:\{\w+\}|\w+)", re.ASCII)
_INVALID_LABEL_CHARS = re.compile(r"[^a-zA-Z0-9_]")
# Whole-string matches only (fullmatch): `$` would also match before a final newline.


def sanitize_label_name(name: str) -> str:
    """A Kubernetes label key as a Prometheus label name: every character outside ``[a-zA-Z0-9_]``
    becomes ``_`` (what both the operator and vmagent's discovery do)."""
    return _INVALID_LABEL_CHARS.sub("_", name)


def label_name_problem(value: str, *, templates: bool = False) -> str | None:
    """Why ``value`` is not a label name; with ``templates``, ``$1``/``${1}``/``${name}`` may appear in it."""
    candidate = _CAPTURE_REF.sub("x", value) if templates else value
    if _LABEL_NAME.fullmatch(candidate):
        return None
    message = "not a valid label name: must match [a-zA-Z_][a-zA-Z0-9_]*"
    if templates:
        message += " ($1, ${1} or ${name} capture-group references may stand for parts of it)"
    return message


_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")


def dns_subdomain_problem(value: str) -> str | None:
    """Why ``value`` is not a DNS-1123 subdomain (the form of most object names)."""
    if len(value) <= 253 and _DNS_SUBDOMAIN.fullmatch(value):
        return None
    return (
        "not a valid object name: at most 253 characters of lowercase letters, digits, '-' and '.', "
        "starting and ending with a letter or digit (DNS-1123 subdomain)"
    )


def dns_label_problem(value: str) -> str | None:
    """Why ``value`` is not a DNS-1123 label (the form of namespace names)."""
    if len(value) <= 63 and _DNS_LABEL.fullmatch(value):
        return None
    return (
        "not a valid namespace name: at most 63 characters of lowercase letters, digits and '-', "
        "starting and ending with a letter or digit (DNS-1123 label)"
    )


@lru_cache(maxsize=4096)
def label_key_problem(value: str) -> str | None:
    """Why ``value`` is not a Kubernetes label key (``name`` or ``prefix/name``)."""
    prefix, _, name = value.rpartition("/")
    if (
        ((not prefix and "/" not in value) or (prefix and dns_subdomain_problem(prefix) is None))
        and len(name) <= 63
        and _QUALIFIED_NAME.fullmatch(name)
    ):
        return None
    return (
        "not a valid Kubernetes label key: an optional DNS subdomain prefix and '/', then a name of at most "
        "63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit "
        "(e.g. app.kubernetes.io/name)"
    )


def label_value_problem(value: str) -> str | None:
    """Why ``value`` is not a Kubernetes label value."""
    if len(value) <= 63 and _LABEL_VALUE.fullmatch(value):
        return None
    return (
        "not a valid Kubernetes label value: at most 63 characters of letters, digits, '-', '_' and '.', "
        "starting and ending with a letter or digit (or empty)"
    )


_SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]+")


def secret_key_problem(value: str) -> str | None:
    """Why no Secret or ConfigMap can hold a key ``value`` (apimachinery's IsConfigMapKey, which the API
    server applies): the operator also turns keys into file names under the agent's TLS mount, so a key
    like ``../x`` would point outside it. ``""`` passes: the CRD allows it, for an unset reference."""
    if value == "" or (
        len(value) <= 253 and _SECRET_KEY.fullmatch(value) and not value.startswith("..") and value != "."
    ):
        return None
    return (
        "not a valid Secret/ConfigMap key: at most 253 characters of letters, digits, '-', '_' and '.', "
        "not '.' and not starting with '..'"
    )
