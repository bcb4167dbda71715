"""The pull request that goes with the revert branch: the difference report, the plan the merge will apply
(computed as ``entragit apply --scope-from <base>..<branch>`` will compute it) and its checksum."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from entragit import markdown as md
from entragit import resources
from entragit.errors import EntragitError, ValidationError
from entragit.plan.live import prepare
from entragit.plan.render_markdown import refusal_block, render_markdown
from entragit.plan.revert import find_revert
from entragit.plan.scope import scope_from_range
from entragit.recover.gitfiles import _git_archive_state
from entragit.recover.result import CHECKSUM_TRAILER, STATE_DIR, FileChange, RecoverResult

# A pull request body holds at most 65,536 characters: the report and the plan share it.
REPORT_LIMIT = 30_000
PLAN_LIMIT = 30_000


# ---------------------------------------------------------------------------------------------- the pull request
def difference_report(result: RecoverResult) -> str:
    """Markdown: the difference report (:mod:`entragit.report`, set by :func:`recover` on ``result.report``)
    or, when it could not be made, what merging the branch changes in tenant-state/, per type and object."""
    if result.report:
        return result.report
    lines = ["### What the merge changes in `tenant-state/`", ""]
    by_type: dict[str, list[FileChange]] = {}
    for f in result.files:
        by_type.setdefault(f.type, []).append(f)
    words = {"modified": "back to the backup", "re-added": "deleted since the backup: added again",
             "removed": "created since the backup: removed"}
    for type_key in sorted(by_type, key=lambda k: (resources.get(k).order, k)):
        changes = by_type[type_key]
        lines += [f"**{md.text(type_key)}** ({len(changes)})", ""]
        for f in sorted(changes, key=lambda f: (f.action, f.name.lower(), f.id)):
            name = f"{md.text(f.name)} " if f.name and f.name != f.id else ""
            lines.append(f"- {name}{md.code(f.id)}: {words.get(f.action, f.action)}")
        lines.append("")
    if result.left_new:
        lines += [f"_{md.plural(len(result.left_new), 'object')} created since the backup are kept (pass "
                  "`--include-new` to remove them):_ "
                  + ", ".join(md.code(f"{f.type}/{f.id}") for f in result.left_new[:20])
                  + (" ..." if len(result.left_new) > 20 else ""), ""]
    return "\n".join(lines)


async def report_for(repo: Path, result: RecoverResult, types: Iterable[str], ids: Iterable[str], client: Any,
                     settings: Any) -> str:
    """The difference report in Markdown (:func:`entragit.report.make_report_async`): from the backup to the
    live tenant (``client``), or without one to the default branch's state; "" when it cannot be made."""
    try:
        from entragit.report import LIVE, make_report_async, render
    except ImportError:
        return ""
    to_ref = LIVE if client is not None else result.base
    try:
        report = await make_report_async(repo, result.source, to_ref, types=list(types) or None,
                                         ids=list(ids) or None, client=client, settings=settings)
    except (EntragitError, OSError):
        return ""
    return str(render(report, "markdown", limit=REPORT_LIMIT))


def pull_request(result: RecoverResult, scope: str) -> tuple[str, str]:
    """``(title, Markdown body)`` of the pull request: the safety rails' refusal on top when there is one, the
    difference report, the plan and its checksum."""
    title = pr_title(result, scope)
    parts = []
    if result.plan is not None and result.plan.refused:
        parts.append(refusal_block(result.plan))
    parts.append(f"Merging this pull request recovers {md.text(scope)} to the backup {md.code(result.source)} "
                 f"({md.code(result.ref[:12])}): `entragit apply` writes the plan below to the tenant (recover.yml, "
                 "after the approval of the `entra-recovery` environment). Closing it cancels the recovery.")
    parts.append(difference_report(result))
    if result.plan is not None:
        parts.append(render_markdown(result.plan, limit=PLAN_LIMIT, refusal_on_top=False))
        parts.append(f"{CHECKSUM_TRAILER}: {result.plan.checksum}")
    else:
        parts.append(f"_No plan: {md.text(result.plan_note)}_")
    return title, "\n\n".join(part.strip("\n") for part in parts if part.strip()) + "\n"


TITLE_LIMIT = 256  # characters of a GitHub pull request title


def gh_len(text: str) -> int:
    """Length as GitHub counts a title: UTF-16 code units (two for an emoji beyond the Basic Multilingual Plane)."""
    return len(text.encode("utf-16-le")) // 2


def title_text(value: str) -> str:
    """A display name as a title shows it: one line, bidirectional controls as escapes, GitHub's references
    and mentions broken (a title links ``#1`` and ``GH-1``, :func:`entragit.markdown.unlink`)."""
    return md.unlink(" ".join(md.one_line(value).split()))


def pr_title(result: RecoverResult, scope: str) -> str:
    """``entragit recover: Sales Team, Allow GSA Traffic only back to backup/...``: the objects by name when the
    revert names objects (``--id``), else the scope in words; at most :data:`TITLE_LIMIT` characters (counted
    as GitHub counts them, in UTF-16 code units)."""
    tail = title_text(f" back to {result.source}")
    what = scope
    if "objects " in scope:
        names = [f.name or f.id for f in result.files]
        what = ", ".join(dict.fromkeys(names)) or scope
    what = title_text(what)
    head = "entragit recover: "
    room = TITLE_LIMIT - gh_len(head) - gh_len(tail) - 1
    if gh_len(what) > room:
        while gh_len(what) > room - 1:
            what = what[:-1]
        what = what.rstrip(", " + md.BREAK) + "…"
    return head + what + " " + tail.lstrip()


async def plan_for(repo: Path, result: RecoverResult, client: Any, settings: Any) -> tuple[Any, str]:
    """The plan ``entragit apply --scope-from <base>..<branch>`` computes after the merge (the same
    :func:`entragit.plan.live.prepare` and :meth:`~entragit.plan.live.Planning.plan`, over the branch's
    ``tenant-state/``), and a note: the safety rails' refusal, which the pull request must show rather than
    hide, or why there is no plan (the branch's tree is invalid)."""
    scope = scope_from_range(repo, f"{result.base}..{result.commit}")
    with tempfile.TemporaryDirectory(prefix="entragit-recover-") as tmp:
        _git_archive_state(repo, result.commit, Path(tmp))
        try:
            revert = find_revert(repo, f"{result.base}..{result.commit}", settings)  # the share rail's exemption
            planning = prepare(settings, scope=scope, state_dir=Path(tmp) / STATE_DIR, revert=revert)
        except ValidationError as exc:
            return None, f"tenant-state/ on the branch is invalid, entragit apply will refuse it: {exc}"
    live, deleted = await planning.read(client)
    plan = planning.compute_shown(live, deleted)
    note = ("the safety rails refuse this plan: merging applies it only with the recovery-force label and an "
            "'Entragit-Force-Reason: <why>' line in the pull request's description" if plan.refused else "")
    return plan, note


def write_pull_request(result: RecoverResult, *, title_file: Path | None = None, body_file: Path | None = None,
                       pr_dir: Path | None = None) -> list[Path]:
    """Write the pull request's title and body to the named files, and/or ``pr_dir/{branch,title,body.md}``."""
    written = []
    targets: list[tuple[Path, str]] = []
    if title_file is not None:
        targets.append((title_file, result.title + "\n"))
    if body_file is not None:
        targets.append((body_file, result.body))
    if pr_dir is not None:
        pr_dir.mkdir(parents=True, exist_ok=True)
        targets += [(pr_dir / "branch", result.branch + "\n"), (pr_dir / "title", result.title + "\n"),
                    (pr_dir / "body.md", result.body)]
        if result.checksum:
            targets.append((pr_dir / "checksum", result.checksum + "\n"))
    for path, text in targets:
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
