"""How results reach people: one module per kind of result, each with its ``REPORTERS``
(the formats ``--format`` offers), all writing to a text stream they are given.

- :mod:`regup.report.diagnostics`: validation diagnostics (``validate``, ``build``);
- :mod:`regup.report.provenance`: a ``regup verify`` run;
- :mod:`regup.report.refresh`: a ``regup refresh`` run;
- :mod:`regup.report.diff`: a ``regup diff`` result (text, Markdown, JSON).

What they share lives here: GitHub Actions workflow commands.
"""

from __future__ import annotations

from regup.terminal import printable


def _escape_data(text: str) -> str:
    # Control characters first: the runner shows ESC sequences and C1 controls of a CI log
    # to whoever reads it (the values quoted come from files anyone can propose).
    text = printable(text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(level: str, message: str, **properties: str | int | None) -> str:
    """One GitHub Actions workflow command, e.g. ``::error file=a.yaml,line=3::message``.

    Properties that are None are left out; values and message are escaped as the runner
    expects. Every reporter that speaks to GitHub uses this.
    """
    props = ",".join(
        f"{key}={_escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    return f"::{level}{' ' + props if props else ''}::{_escape_data(message)}"
