"""The two ways a text is made one line: values from the input are escaped, foreign messages flattened."""

from __future__ import annotations

from vmscrape_component.errors import flatten, one_line


def test_a_foreign_message_is_flattened_to_one_line() -> None:
    message = "error:\x1b[31m create failed\n\n  details:\tquota\u2028exceeded\x85"
    assert flatten(message) == "error: [31m create failed details: quota exceeded"
    assert flatten(ValueError("a\nb")) == "a b"


def test_an_input_value_is_escaped_not_dropped() -> None:
    assert one_line("web\n\x1b[2J") == "web\\n\\x1b[2J"
