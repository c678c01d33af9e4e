"""Reading an import source: a local file or an http(s) URL, with limits.

Network reads use httpx with a timeout and a response size cap; every failure is an
:class:`~regup.errors.ImportSourceError` that says what to check.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from regup.errors import ImportSourceError

MAX_RESPONSE_BYTES = 20 * 1024 * 1024


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def parse_json(data: bytes, where: str) -> Any:
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportSourceError(
            f"{where} is not JSON ({exc}); give a registry.json, a server.json or an API URL"
        ) from None


def read_file(path: Path) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_RESPONSE_BYTES:
            raise ImportSourceError(
                f"{path} is larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MB"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ImportSourceError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_json(data, str(path))


def fetch_json(client: httpx.Client, url: str, params: dict[str, str] | None = None) -> Any:
    """GET ``url`` and parse JSON, refusing answers over :data:`MAX_RESPONSE_BYTES`."""
    try:
        with client.stream(
            "GET", url, params=params, headers={"Accept": "application/json"}
        ) as response:
            if response.status_code != 200:
                raise ImportSourceError(
                    f"{response.request.url} answered HTTP {response.status_code}; "
                    "check the URL or try later"
                )
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
                raise ImportSourceError(
                    f"{url} sends {declared} bytes, more than the {MAX_RESPONSE_BYTES} byte limit"
                )
            chunks, total = [], 0
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > MAX_RESPONSE_BYTES:
                    raise ImportSourceError(
                        f"{url} sent more than the {MAX_RESPONSE_BYTES} byte limit; "
                        "not importing it"
                    )
                chunks.append(chunk)
    except httpx.TimeoutException:
        raise ImportSourceError(
            f"{url} did not answer in time; check the URL or try later"
        ) from None
    except httpx.HTTPError as exc:
        raise ImportSourceError(
            f"cannot fetch {url}: {exc}. Check the URL and your connection"
        ) from None
    return parse_json(b"".join(chunks), url)
