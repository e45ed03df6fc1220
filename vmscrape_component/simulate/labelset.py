"""Label sets while relabel rules run: a ``dict`` when names are unique (every discovered target), else
vmagent's label slice, where a name may repeat."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeAlias


class LabelSlice:
    """vmagent's label slice: ``[name, value]`` pairs in order, where a name may repeat (``labelmap_all``
    can make two names equal, and vmagent keeps both). Reads see the first pair of a name; a write changes
    that pair or appends one. Offers the part of ``dict``'s interface the actions use."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: Iterable[tuple[str, str] | list[str]] = ()) -> None:
        self.pairs = [[name, value] for name, value in pairs]

    def get(self, name: str, default: str = "") -> str:
        for label_name, value in self.pairs:
            if label_name == name:
                return value
        return default

    def __setitem__(self, name: str, value: str) -> None:
        for label in self.pairs:
            if label[0] == name:
                label[1] = value
                return
        self.pairs.append([name, value])

    def items(self) -> list[list[str]]:
        return self.pairs

    def __len__(self) -> int:
        return len(self.pairs)

    def first_values(self) -> dict[str, str]:
        """Each name with the value vmagent reads for it (its first pair's)."""
        out: dict[str, str] = {}
        for name, value in self.pairs:
            out.setdefault(name, value)
        return out


#: A label set while rules run: a dict when names are unique (every discovered target), else a slice.
Labels: TypeAlias = dict[str, str] | LabelSlice


def values_of(labels: Labels, name: str) -> Sequence[str]:
    """Every value of label ``name``: none, one, or (in a slice) one per repetition."""
    if type(labels) is dict:
        value = labels.get(name)
        return () if value is None else (value,)
    return [value for label_name, value in labels.items() if label_name == name]


def same_kind(labels: Labels, pairs: list[tuple[str, str]]) -> Labels:
    """``pairs`` (names no more repeated than in ``labels``) as a label set of the same kind as ``labels``."""
    return dict(pairs) if type(labels) is dict else LabelSlice(pairs)


def walk(labels: Labels) -> Iterator[tuple[str, str]]:
    """The labels present now, each with its value as it is when reached (vmagent walks its slice in
    place, so an earlier step of the same rule may have overwritten it)."""
    if type(labels) is dict:
        for name in list(labels):
            yield name, labels[name]
    else:
        for label in list(labels.items()):
            yield label[0], label[1]


def concat(labels: Labels, names: Sequence[str], separator: str) -> str:
    if len(names) == 1:
        return labels.get(names[0], "")
    return separator.join([labels.get(name, "") for name in names])


def final(labels: Labels) -> dict[str, str]:
    """The labels after the last rule: names and values that are empty are removed."""
    if type(labels) is not dict:
        out: dict[str, str] = {}
        for name, value in labels.items():
            if name and value:
                out.setdefault(name, value)  # vmagent reads the first of repeated names
        return out
    if "" in labels or "" in labels.values():
        return {name: value for name, value in labels.items() if name and value}
    return labels


def snapshot(labels: Labels) -> dict[str, str]:
    return dict(labels) if isinstance(labels, dict) else labels.first_values()
