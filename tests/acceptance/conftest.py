"""Fixtures of the acceptance tests: the browser and its tabs (tests/browser.py)."""

from tests.browser import browser, tab

__all__ = ["browser", "tab"]
