"""Reading an import source: a local file or an http(s) URL, with limits.

Files are read with :func:`regup.files.read_input_file` (regular files only, size first),
network reads use httpx with a timeout and :func:`regup.net.read_answer` (a size cap and a
time limit for the whole answer), and both are parsed with
:func:`regup.jsonio.load_json` (no nesting past :data:`MAX_DEPTH`, no number past Python's
digit limit); every failure is an :class:`~regup.errors.ImportSourceError` that says what to
check.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from regup.errors import ImportSourceError
from regup.files import UnsafeFileError, read_input_file
from regup.jsonio import JsonInputError, load_json
from regup.net import AnswerTooLarge, AnswerTooSlow, deadline, read_answer

MAX_RESPONSE_BYTES = 20 * 1024 * 1024
#: No answer may take longer than this, however slowly it trickles in.
MAX_RESPONSE_SECONDS = 120.0
#: Far deeper than any registry document, and far enough below the decoder's recursion
#: limit for the readers after it; a source nested deeper is refused as a whole. A server
#: nested deeper than an entry file may be (``yamlio.MAX_DEPTH``) is left out on its own.
MAX_DEPTH = 500
#: Names longer than this are shortened in messages.
_SHOWN_CHARS = 120


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def shown(source: str) -> str:
    """``source`` as messages show it: a name of thousands of characters is cut short."""
    if len(source) <= _SHOWN_CHARS:
        return source
    return f"{source[:_SHOWN_CHARS]}… ({len(source)} characters)"


def parse_json(data: bytes, where: str) -> Any:
    """Raises :class:`ImportSourceError` for anything :func:`load_json` refuses."""
    try:
        return load_json(data, max_depth=MAX_DEPTH)
    except JsonInputError as exc:
        at = f" (line {exc.line}, column {exc.col})" if exc.line is not None else ""
        raise ImportSourceError(
            f"{shown(where)}: {exc.message}{at}; give a registry.json, a server.json or an API URL"
        ) from None


def read_file(path: Path) -> Any:
    """The parsed JSON of a local file of at most :data:`MAX_RESPONSE_BYTES`.
    Raises :class:`ImportSourceError`."""
    try:
        data = read_input_file(path, limit=MAX_RESPONSE_BYTES)
    except UnsafeFileError as exc:
        raise ImportSourceError(f"cannot import {shown(str(path))}: {exc.message}") from None
    return parse_json(data, str(path))


def fetch_json(client: httpx.Client, url: str, params: dict[str, str] | None = None) -> Any:
    """GET ``url`` and parse JSON, refusing answers over :data:`MAX_RESPONSE_BYTES`."""
    started = time.monotonic()
    try:
        with (
            deadline(started + MAX_RESPONSE_SECONDS),  # headers and body
            client.stream(
                "GET", url, params=params, headers={"Accept": "application/json"}
            ) as response,
        ):
            if response.status_code != 200:
                raise ImportSourceError(
                    f"{response.request.url} answered HTTP {response.status_code}; "
                    "check the URL or try later"
                )
            body = read_answer(
                response, limit=MAX_RESPONSE_BYTES, deadline=started + MAX_RESPONSE_SECONDS
            )
    except AnswerTooLarge as exc:
        if exc.declared is not None:
            raise ImportSourceError(
                f"{url} sends {exc.declared} bytes, more than the {MAX_RESPONSE_BYTES} byte limit"
            ) from None
        raise ImportSourceError(
            f"{url} sent more than the {MAX_RESPONSE_BYTES} byte limit; not importing it"
        ) from None
    except (AnswerTooSlow, httpx.TimeoutException) as exc:
        if isinstance(exc, AnswerTooSlow) or time.monotonic() >= started + MAX_RESPONSE_SECONDS:
            raise ImportSourceError(
                f"{url} took more than {MAX_RESPONSE_SECONDS:g} s to send its answer; try later"
            ) from None
        raise ImportSourceError(
            f"{url} did not answer in time; check the URL or try later"
        ) from None
    except httpx.TooManyRedirects:
        raise ImportSourceError(
            f"{url} redirects more than {client.max_redirects} times (a loop?); give the final URL"
        ) from None
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
        raise ImportSourceError(
            f"cannot fetch {url}: {exc}. Check the URL and your connection"
        ) from None
    return parse_json(body, url)
