"""Which Services and which namespaces a scrape looks at: ``selector`` and ``namespaceSelector``."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, StrictBool, model_validator

from ..errors import Problem, VMScrapeError
from ..grammar.namespaces import NamespaceMode, discovery_namespaces, namespace_mode
from ._base import LabelKey, LabelValue, NamespaceName, VMModel
from .errors import invalid

__all__ = ["LabelSelector", "LabelSelectorRequirement", "NamespaceMode", "NamespaceSelector"]


class LabelSelectorRequirement(VMModel):
    """One expression of a label selector: ``key`` ``operator`` ``values``."""

    key: LabelKey
    """The label key the expression is about."""
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    """How the label's value relates to ``values``."""
    values: list[LabelValue] | None = None
    """The values for ``In`` and ``NotIn`` (at least one); ``Exists`` and ``DoesNotExist`` take none."""

    @model_validator(mode="after")
    def _values_fit_the_operator(self) -> Self:
        if self.operator in ("In", "NotIn") and not self.values:
            raise invalid(f"operator {self.operator} needs at least one value", field="values")
        if self.operator in ("Exists", "DoesNotExist") and self.values:
            raise invalid(f"operator {self.operator} takes no values", field="values", value=self.values)
        return self


class LabelSelector(VMModel):
    """A Kubernetes label selector: every ``matchLabels`` pair and every expression must hold.

    An empty selector (``{}``) selects everything; where the operator distinguishes an absent selector
    from an empty one (a VMAgent's ``serviceScrapeSelector``), ``None`` is kept apart from ``{}``.
    """

    match_labels: dict[LabelKey, LabelValue] | None = Field(None, alias="matchLabels")
    """Labels that must all be present with exactly these values."""
    match_expressions: list[LabelSelectorRequirement] | None = Field(None, alias="matchExpressions")
    """Expressions that must all hold."""

    @property
    def is_empty(self) -> bool:
        """Whether this selector selects everything."""
        return not self.match_labels and not self.match_expressions


class NamespaceSelector(VMModel):
    """Where a scrape discovers Services: its own namespace, every namespace, or the namespaces named.

    Build it with :meth:`own` (the default), :meth:`any` or :meth:`names`; a manifest's ``{}``,
    ``{any: true}`` and ``{matchNames: [...]}`` read as the same three choices. An empty selector means the
    scrape's **own** namespace: that is what the operator's code does, whatever some docs suggest.
    ``any: true`` together with ``matchNames`` is rejected, since the operator would silently ignore the
    names. :attr:`mode` says which choice a selector is; :meth:`resolve` gives the namespaces.
    """

    any_: StrictBool | None = Field(None, alias="any")
    """Every namespace (the operator lets this win over ``matchNames``)."""
    match_names: list[NamespaceName] | None = Field(None, alias="matchNames")
    """These namespaces."""

    @classmethod
    def own(cls) -> NamespaceSelector:
        """The scrape's own namespace (``{}``)."""
        return cls()

    @classmethod
    def any(cls) -> NamespaceSelector:
        """Every namespace (``{any: true}``)."""
        return cls(any_=True)

    @classmethod
    def names(cls, *names: str) -> NamespaceSelector:
        """Exactly these namespaces (``{matchNames: [...]}``)."""
        if not names:
            raise VMScrapeError(
                [
                    Problem(
                        "",
                        "matchNames",
                        "give at least one namespace name; "
                        "NamespaceSelector.own() is the scrape's own namespace",
                    )
                ]
            )
        return cls(match_names=list(names))

    @model_validator(mode="after")
    def _any_excludes_names(self) -> Self:
        if self.any_ and self.match_names:
            raise invalid(
                "`any: true` and `matchNames` cannot be combined: the operator would silently use `any` "
                "(every namespace) and ignore `matchNames`; keep one of them",
                value={"any": True, "matchNames": self.match_names},
            )
        return self

    @property
    def mode(self) -> NamespaceMode:
        """``"own"`` (the scrape's namespace), ``"any"`` (every namespace) or ``"names"`` (``matchNames``)."""
        return namespace_mode(self.any_, self.match_names)

    def effective_mode(self, *, ignore_selectors: bool = False) -> NamespaceMode:
        """:attr:`mode` as the operator applies it: ``"own"`` when it ignores namespace selectors."""
        return namespace_mode(self.any_, self.match_names, ignore_selectors=ignore_selectors)

    def resolve(self, own_namespace: str, *, ignore_selectors: bool = False) -> list[str] | None:
        """The namespaces discovered for a scrape living in ``own_namespace``; ``None`` means all.

        ``ignore_selectors``: the operator ignores namespace selectors (it watches specific namespaces
        and the agent owns its service account), so the scrape's own namespace is the answer.
        """
        return discovery_namespaces(
            self.any_, self.match_names, own_namespace, ignore_selectors=ignore_selectors
        )
