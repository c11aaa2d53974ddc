"""A note's fields: the one HTML escape."""

from __future__ import annotations


def test_field_escaping_is_html_escape() -> None:
    """render escapes without importing html (start-up); it must stay exactly html.escape."""
    import html

    from rcc_cards import render

    for text in ["x < y & z", "a > b", "\"quoted\" and 'single'", "&amp; already", "plain", "", "<>&\"'"]:
        assert render._escape(text) == html.escape(text, quote=False)
        assert render._escape(text, quote=True) == html.escape(text, quote=True)
