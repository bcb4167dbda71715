"""GitHub's REST API through the `gh` CLI.

`gh api` is on every GitHub-hosted runner and authenticates with ``GH_TOKEN`` (the workflows pass
``github.token``); on a workstation it uses `gh auth login`. Going through it keeps one path for the workflows'
shell and entragit's Python, and lets the tests answer both with one recording stand-in
(tests/workflows/fake_gh.py) whose answers follow the response shapes GitHub Docs documents.

``--paginate`` prints one JSON document per page (https://cli.github.com/manual/gh_api); :meth:`GitHub.paginate`
reads them all and joins the lists (or the named list of object pages such as ``{"artifacts": [...]}``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from entragit.errors import EntragitError

API_VERSION = "2022-11-28"


class GitHubError(EntragitError):
    """A GitHub API call failed (not found, forbidden, `gh` missing or unauthenticated)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


def _status_of(stderr: str) -> int | None:
    # gh prints e.g. "gh: Not Found (HTTP 404)"
    marker = stderr.rfind("(HTTP ")
    if marker < 0:
        return None
    digits = stderr[marker + 6:marker + 9]
    return int(digits) if digits.isdigit() else None


def _documents(text: str) -> list[Any]:
    """Every JSON document in ``text`` (gh --paginate prints one per page, back to back)."""
    decoder, docs, pos = json.JSONDecoder(), [], 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return docs
        doc, pos = decoder.raw_decode(text, pos)
        docs.append(doc)


class GitHub:
    """The REST API of one GitHub host, as `gh api` reaches it."""

    def __init__(self, *, gh: str | None = None, env: Mapping[str, str] | None = None) -> None:
        self.gh = gh or os.environ.get("ENTRAGIT_GH", "gh")
        self.env = dict(os.environ if env is None else env)

    def _run(self, path: str, *extra: str) -> bytes:
        exe = shutil.which(self.gh, path=self.env.get("PATH")) or (self.gh if os.sep in self.gh else None)
        if exe is None:
            raise GitHubError(f"the GitHub CLI `{self.gh}` is not installed (it is on GitHub-hosted runners; on a "
                              "workstation install it and run `gh auth login`)")
        args = [exe, "api", "-H", "Accept: application/vnd.github+json", "-H",
                f"X-GitHub-Api-Version: {API_VERSION}", *extra, path]
        proc = subprocess.run(args, capture_output=True, env=self.env, timeout=300)
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip() or proc.stdout.decode("utf-8", "replace").strip()
            raise GitHubError(f"GitHub API {path}: {err}", status=_status_of(err))
        return proc.stdout

    @staticmethod
    def _path(path: str, params: Mapping[str, Any] | None) -> str:
        if not params:
            return path
        return f"{path}{'&' if '?' in path else '?'}{urlencode(params)}"

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path`` (e.g. ``repos/o/r/pulls/1``): the decoded JSON."""
        return json.loads(self._run(self._path(path, params)).decode("utf-8") or "null")

    def get_or_none(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """:meth:`get`, None when GitHub answers 404."""
        try:
            return self.get(path, params)
        except GitHubError as exc:
            if exc.status == 404:
                return None
            raise

    def paginate(self, path: str, params: Mapping[str, Any] | None = None, *, key: str | None = None) -> list[Any]:
        """Every item of a paginated list: the pages' lists joined (``key``: the list inside object pages)."""
        out = self._run(self._path(path, {"per_page": 100, **(params or {})}), "--paginate").decode("utf-8")
        items: list[Any] = []
        for doc in _documents(out):
            page = doc.get(key, []) if key is not None and isinstance(doc, dict) else doc
            if not isinstance(page, list):
                raise GitHubError(f"GitHub API {path}: expected a list, got {type(page).__name__}")
            items.extend(page)
        return items

    def raw(self, path: str) -> bytes:
        """The body of ``path`` as bytes (an artifact's zip archive: gh follows GitHub's redirect)."""
        return self._run(path)
