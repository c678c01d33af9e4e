"""The reporting package: every format of every kind of result, written to a stream."""

from __future__ import annotations

import io
import json

from regup.checks import Outcome
from regup.diagnostics import Diagnostic, Severity
from regup.enrich.refresh import EntryReport, RefreshResult, Source, SourceOutcome, Status
from regup.enrich.transport import Usage
from regup.model import Metadata
from regup.provenance.run import Mode, VerifyRun
from regup.provenance.state import Result
from regup.report import diagnostics as diag
from regup.report import github_command
from regup.report import provenance as prov
from regup.report import refresh as fresh

DIAGNOSTICS = [
    Diagnostic("registry/a/spec.yaml", 3, 5, Severity.ERROR, "image-ref", "bad image, 100%"),
    Diagnostic("registry/b/spec.yaml", 1, 1, Severity.WARNING, "image-latest", "pin it"),
]
SUMMARY = diag.Summary(files=2, errors=1, warnings=1)


def _run(reporter: diag.Reporter, **kw: bool) -> str:
    out = io.StringIO()
    reporter(DIAGNOSTICS, SUMMARY, out, color=False, quiet=kw.get("quiet", False))
    return out.getvalue()


def test_github_commands_escape_what_the_runner_parses() -> None:
    line = github_command("error", "50%\nnext", file="a,b:c.yaml", line=3, col=None)
    assert line == "::error file=a%2Cb%3Ac.yaml,line=3::50%25%0Anext"
    assert github_command("warning", "plain") == "::warning::plain"


def test_diagnostics_as_text() -> None:
    text = _run(diag.report_text)
    assert "registry/a/spec.yaml:3:5: error: bad image, 100% [image-ref]" in text
    assert text.endswith("1 error, 1 warning in 2 files.\n")
    assert "files." not in _run(diag.report_text, quiet=True)


def test_diagnostics_as_json_and_github() -> None:
    payload = json.loads(_run(diag.report_json))
    assert payload["ok"] is False and payload["errors"] == 1
    assert [d["rule"] for d in payload["diagnostics"]] == ["image-ref", "image-latest"]
    lines = _run(diag.report_github).splitlines()
    assert lines[0].startswith("::error file=registry/a/spec.yaml,line=3,col=5,title=image-ref::")
    assert lines[1].startswith("::warning ")
    assert set(diag.REPORTERS) == {"text", "json", "github"}


def _verify_run(mode: Mode) -> VerifyRun:
    ok = Result("good", Outcome.VERIFIED, "signed", digest="sha256:" + "a" * 64)
    bad = Result("evil", Outcome.MISMATCH, "signed by someone else", digest="sha256:" + "b" * 64)
    gone = Result("flaky", Outcome.ERROR, "registry unreachable")
    return VerifyRun(mode, (bad, gone, ok), paths={"evil": "registry/evil/spec.yaml"})


def test_provenance_reports() -> None:
    out = io.StringIO()
    prov.report_text(_verify_run(Mode.STRICT), out)
    text = out.getvalue()
    assert text.splitlines()[0].split() == ["NAME", "OUTCOME", "DIGEST", "DETAIL"]
    assert "3 checked: 1 verified, 1 mismatch, 1 error; 1 fail the strict check" in text
    lines = prov.github_annotations(_verify_run(Mode.STRICT))
    assert lines[0].startswith("::error file=registry/evil/spec.yaml,title=provenance mismatch::")
    assert lines[1].startswith("::warning ")
    assert prov.github_annotations(_verify_run(Mode.WARN))[0].startswith("::warning ")
    doc = prov.run_to_json(_verify_run(Mode.STRICT))
    assert doc["failures"] == ["evil"]
    assert doc["results"] == {r.name: r.to_json() for r in _verify_run(Mode.STRICT).results}


def _refresh_result() -> RefreshResult:
    changed = EntryReport(
        "fetch",
        "registry/fetch/spec.yaml",
        12,
        Status.REFRESHED,
        SourceOutcome(Source.OK, 1200),
        SourceOutcome(Source.UNAVAILABLE, message="image on ghcr.io: pulls unavailable"),
        Metadata(stars=1000, pulls=50),
        Metadata(stars=1200, pulls=None),
        repository="example/fetch",
        archived=True,
        written=True,
    )
    failed = EntryReport(
        "tracker",
        "registry/tracker/spec.yaml",
        3,
        Status.FAILED,
        SourceOutcome(Source.FAILED, message="GitHub answered 502"),
        SourceOutcome(Source.UNAVAILABLE),
        Metadata(stars=7),
        Metadata(stars=7),
    )
    return RefreshResult((changed, failed), Usage(requests=2, points=1), Usage(requests=1))


def test_refresh_reports() -> None:
    out = io.StringIO()
    fresh.report_text(_refresh_result(), out, color=False, verbose=False)
    text = out.getvalue()
    assert "fetch: stars 1,000 -> 1,200; pulls 50 removed (image on ghcr.io" in text
    assert "error: tracker (registry/tracker/spec.yaml): GitHub answered 502" in text
    assert "warning: fetch (registry/fetch/spec.yaml): repository example/fetch is archived" in text
    out = io.StringIO()
    fresh.report_github(_refresh_result(), out, color=False, verbose=False)
    first = out.getvalue().splitlines()[0]
    assert first.startswith("::warning file=registry/fetch/spec.yaml,line=12,title=regup refresh::")
    out = io.StringIO()
    fresh.report_json(_refresh_result(), out, color=False, verbose=False)
    assert [e["name"] for e in json.loads(out.getvalue())["entries"]] == ["fetch", "tracker"]


#: What a hostile service answer may carry: an OSC title sequence, a clear-screen CSI, a C1
#: control, and Rich markup that would raise or restyle.
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9b[/bold] [red]x"


def test_refresh_text_report_prints_service_answers_as_plain_escaped_text() -> None:
    result = _refresh_result()
    failed = result.entries[1]
    hostile = EntryReport(
        failed.name,
        failed.path,
        failed.line,
        Status.FAILED,
        SourceOutcome(Source.FAILED, message=HOSTILE),
        SourceOutcome(Source.UNAVAILABLE),
        failed.before,
        failed.after,
        renamed_to=HOSTILE,
        repository="example/tracker",
    )
    out = io.StringIO()
    fresh.report_text(
        RefreshResult((result.entries[0], hostile), result.github, result.docker_hub),
        out,
        color=False,
        verbose=False,
    )
    text = out.getvalue()
    assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert "\\x1b]0;pwned\\x07\\x1b[2J\\x9b[/bold] [red]x" in text  # shown, not interpreted


def test_provenance_text_report_escapes_answers() -> None:
    gone = Result("flaky", Outcome.ERROR, HOSTILE, stale=True, error=HOSTILE)
    out = io.StringIO()
    prov.report_text(VerifyRun(Mode.STRICT, (gone,)), out)
    text = out.getvalue()
    assert "\x1b" not in text and "\x9b" not in text
    assert "[stale: \\x1b]0;pwned" in text
