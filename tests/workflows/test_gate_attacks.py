"""A hostile write collaborator against `entragit check-merge` (entragit.gitops.gate), on a GitHub Free private
repository: no environment, no ruleset, no branch protection; anyone with write access pushes anything anywhere
(tests/workflows/world.py). Each attack is made against the recorded GitHub API (tests/workflows/fake_gh.py:
pages, the activity log of pushes, GraphQL commit authors, faults) and must be refused: these tests fail if the
gate lets one through.

The people: Ada and Bob are listed approvers, Mallory a write collaborator who is not. Bob approving Ada's change
is the one legitimate path; every other way to an approval that counts is an attack.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from git import Repo

from entragit.backups import push_notes, record_apply_outcome
from entragit.backups.notes import NOTES_REF
from entragit.errors import EntragitError, RefusedError
from entragit.gitops.gate import MergeVerdict, check_merge
from entragit.gitops.github import GitHub
from entragit.init import render_workflow
from tests.workflows.helpers import prepare_workflow_run
from tests.workflows.runner import git
from tests.workflows.world import ADA, BOB, MALLORY, PUBLISH, World

CHANGE = {"tenant-state/groups/g1.yaml": "displayName: Sales\n"}


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_workflow_run(monkeypatch)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def api(world: World) -> GitHub:
    return GitHub(env={**os.environ, **world.runner.env, "GH_TOKEN": "ghs_workflow_token"})


def check(world: World, before: str, after: str, **kw: Any) -> MergeVerdict:
    """`entragit check-merge` as the administrators' workflow runs it: a fresh clone of origin, GitHub through
    `gh`, the lock's digest pinned."""
    clone = world.base / f"checkout-{after[:8]}"
    if not clone.exists():
        git(world.base, "clone", "-q", "--no-local", str(world.origin), str(clone))
    kw.setdefault("lock_sha256", world.lock_sha256)
    return check_merge(Repo(clone), api(world), "org/tenant", before=before, after=after,
                       publisher=render_workflow("publish-plan.yml"), **kw)


def refused(world: World, before: str, after: str, match: str, **kw: Any) -> str:
    with pytest.raises(RefusedError) as caught:
        check(world, before, after, **kw)
    assert re.search(match, str(caught.value)), str(caught.value)
    return str(caught.value)


def published_pull(world: World, author=ADA, files: dict[str, str] | None = None) -> tuple[int, str]:
    head = world.branch("change", author, files or CHANGE)
    number = world.open_pull("change", author)
    assert world.publish(number).result == "success"
    return number, head


def commit_on_pull(world: World, number: int, *, pusher, author, committer=None, message: str = "more",
                   files: dict[str, str] | None = None) -> str:
    """``pusher`` pushes a commit to the pull request's branch whose git author (and committer) claim to be
    someone else: git lets anyone write any name and address there."""
    pr = world.pull(number)
    world.as_person(pusher)
    git(world.work, "fetch", "-q", "origin")
    git(world.work, "checkout", "-q", "-B", pr["head"], f"origin/{pr['head']}")
    for rel, text in (files or {"tenant-state/groups/g1.yaml": f"displayName: {message}\n"}).items():
        (world.work / rel).write_text(text, encoding="utf-8")
    committer = committer or author
    env = {**os.environ, "GIT_AUTHOR_NAME": author.login, "GIT_AUTHOR_EMAIL": author.email,
           "GIT_COMMITTER_NAME": committer.login, "GIT_COMMITTER_EMAIL": committer.email}
    git(world.work, "commit", "-q", "-am", message, env=env)
    git(world.work, "push", "-q", "origin", pr["head"])
    head = git(world.work, "rev-parse", "HEAD")
    world.runner.edit_github(lambda s: next(p for p in s["pulls"] if p["number"] == number).update(head_sha=head))
    world.merge_ref(number)
    assert world.publish(number).result == "success"
    return head


# ------------------------------------------------------------------------------------- who wrote the change
def test_an_approver_who_co_authored_a_commit_does_not_count(world: World) -> None:
    number, _ = published_pull(world)
    commit_on_pull(world, number, pusher=ADA, author=ADA,
                   message=f"Pair-written\n\nCo-authored-by: Bob <{BOB.email}>")
    world.review(number, BOB)
    before, after = world.merge(number)
    refused(world, before, after, r"bob co-authored [0-9a-f]{12}: an author never approves their own change")


def test_a_co_author_github_cannot_link_refuses_the_check(world: World) -> None:
    number, _ = published_pull(world)
    commit_on_pull(world, number, pusher=ADA, author=ADA,
                   message="Helped\n\nCo-authored-by: Someone <someone@elsewhere.invalid>")
    world.review(number, BOB)
    before, after = world.merge(number)
    refused(world, before, after, r"has a co-author \(someone@elsewhere.invalid\) GitHub does not link to an account")


def test_an_approver_who_committed_an_authored_commit_does_not_count(world: World) -> None:
    number, _ = published_pull(world)
    commit_on_pull(world, number, pusher=ADA, author=ADA, committer=BOB)
    world.review(number, BOB)
    before, after = world.merge(number)
    refused(world, before, after, r"bob committed [0-9a-f]{12}: an author never approves")


def test_an_approver_who_pushed_a_commit_claiming_someone_else_does_not_count(world: World) -> None:
    """Git's author and committer are text: Bob writes the change, signs it as Ada on both lines, pushes it to
    Ada's pull request and approves. GitHub's activity log names who pushed, whatever the commit claims."""
    number, _ = published_pull(world)
    commit_on_pull(world, number, pusher=BOB, author=ADA, committer=ADA, message="Looks like Ada's")
    world.review(number, BOB)
    before, after = world.merge(number)
    refused(world, before, after, r"bob pushed to change: an author never approves")


def test_a_head_nobody_is_recorded_pushing_refuses_the_check(world: World) -> None:
    number, head = published_pull(world)
    world.review(number, BOB)
    before, after = world.merge(number)
    log = world.origin / "fake-gh-activity.jsonl"
    log.write_text("".join(line + "\n" for line in log.read_text().splitlines() if head not in line))
    refused(world, before, after, rf"shows no push of {head[:12]} to refs/heads/change")


def test_a_pull_request_a_workflow_opened_is_refused(world: World) -> None:
    """Where GitHub Actions may open pull requests, a workflow (any a collaborator pushes) can open one with
    the workflow token: which person asked for it cannot be told, so nobody would be kept from approving it."""
    world.branch("change", BOB, CHANGE)
    number = world.open_pull("change", ADA)
    world.runner.edit_github(lambda s: next(p for p in s["pulls"] if p["number"] == number).update(
        user="github-actions[bot]"))
    assert world.publish(number).result == "success"
    world.review(number, BOB)
    before, after = world.merge(number)
    refused(world, before, after, r"was opened by github-actions\[bot\], not by a person")


# ----------------------------------------------------------------------------------------------- pagination
def test_every_page_of_reviews_is_read(world: World) -> None:
    """120 reviews: GitHub answers 30 a page by default, 100 at most. Bob's approval is on the first page, his
    "changes requested" on the second: the withdrawal counts."""
    number, head = published_pull(world)

    def reviews(state: dict[str, Any], tail: str) -> None:
        from tests.workflows import fake_gh

        pr = next(p for p in state["pulls"] if p["number"] == number)
        pr["reviews"] = [{"user": "bob", "state": "APPROVED", "commit_id": head, "submitted_at": fake_gh.tick(state)}]
        pr["reviews"] += [{"user": "mallory", "state": "COMMENTED", "commit_id": head,
                           "submitted_at": fake_gh.tick(state)} for _ in range(118)]
        pr["reviews"].append({"user": "bob", "state": tail, "commit_id": head, "submitted_at": fake_gh.tick(state)})

    world.runner.edit_github(lambda s: reviews(s, "CHANGES_REQUESTED"))
    before, after = world.merge(number)
    refused(world, before, after, r"bob: changes requested")
    # and an approval only the second page holds is found
    world.runner.edit_github(lambda s: reviews(s, "APPROVED"))
    assert [a.login for a in check(world, before, after).approvals] == ["bob"]


def test_every_page_of_commits_is_read(world: World) -> None:
    """120 commits (GitHub lists 100 a page at most): one on the second page is Bob's."""
    number, _ = published_pull(world)
    pr = world.pull(number)
    git(world.work, "fetch", "-q", "origin")
    git(world.work, "checkout", "-q", "-B", pr["head"], f"origin/{pr['head']}")
    script = "; ".join(
        f"GIT_AUTHOR_NAME=x GIT_AUTHOR_EMAIL={(BOB if i == 109 else ADA).email} "
        f"GIT_COMMITTER_NAME=x GIT_COMMITTER_EMAIL={ADA.email} git commit -q --allow-empty -m c{i}" for i in range(119))
    subprocess.run(["sh", "-ec", script], cwd=world.work, check=True, env=os.environ)
    world.as_person(ADA)
    git(world.work, "push", "-q", "origin", pr["head"])
    head = git(world.work, "rev-parse", "HEAD")
    world.runner.edit_github(lambda s: next(p for p in s["pulls"] if p["number"] == number).update(head_sha=head))
    world.merge_ref(number)
    assert world.publish(number).result == "success"
    world.review(number, BOB)
    before, after = world.merge(number)
    refused(world, before, after, r"bob wrote [0-9a-f]{12}: an author never approves")
    commits = api(world).paginate(f"repos/org/tenant/pulls/{number}/commits")
    assert len(commits) == 120
    # without --paginate GitHub answers one page: the stand-in does too, so a caller that forgets is caught
    assert len(api(world).get(f"repos/org/tenant/pulls/{number}/commits", {"per_page": 100})) == 100


# ----------------------------------------------------------------------------- errors of GitHub's API fail closed
FAULTS = [
    (r"commits/[0-9a-f]{40}/pulls$", 404, "Not Found"),
    (r"pulls/\d+$", 502, "Bad Gateway"),
    (r"pulls/\d+/reviews$", 403, "API rate limit exceeded for installation ID 1"),
    (r"pulls/\d+/commits$", 429, "You have exceeded a secondary rate limit"),
    (r"^graphql$", 502, "Bad Gateway"),
    (r"/activity$", 503, "Service Unavailable"),
    (r"actions/artifacts$", 500, "Server Error"),
    (r"actions/runs/\d+$", 502, "Bad Gateway"),
    (r"artifacts/\d+/zip$", 502, "Bad Gateway"),
]


def test_errors_of_githubs_api_refuse_the_check(world: World) -> None:
    """Rate limits (403, 429), a 404 and server errors on each call the check makes: never a verdict."""
    number, _ = published_pull(world)
    world.review(number, BOB)
    before, after = world.merge(number)
    assert check(world, before, after).pr == number     # the same merge passes while GitHub answers
    for route, status, message in FAULTS:
        fault = {"route": route, "status": status, "message": message}
        world.runner.edit_github(lambda s, fault=fault: s.update(faults=[fault]))
        with pytest.raises(EntragitError) as caught:
            check(world, before, after)
        assert f"HTTP {status}" in str(caught.value), (route, str(caught.value))
    # and the command: a failure exit, no checksum for the apply step
    output = world.base / "github-output"
    proc = subprocess.run([sys.executable, "-m", "entragit", "check-merge", "--before", before, "--after", after,
                           "--approvers", f"{ADA.id},{BOB.id}", "--lock-sha256", world.lock_sha256,
                           "--repository", "org/tenant", "--github-output", str(output)],
                          cwd=world.base / f"checkout-{after[:8]}", capture_output=True, text=True,
                          env={**os.environ, **world.runner.env, "GH_TOKEN": "ghs_workflow_token"})
    assert proc.returncode != 0, proc.stdout
    text = output.read_text(encoding="utf-8")
    assert "checksum=" not in text and text.startswith("reason=") and "HTTP 502" in text


# ------------------------------------------------------------------------------ the merge that is applied
def test_a_merge_pushed_by_hand_with_more_than_the_head_is_refused(world: World) -> None:
    """Mallory merges the approved branch herself, slipping another file into the merge commit, and pushes it:
    GitHub marks the pull request merged with her commit. What is applied is not what was approved."""
    number, head = published_pull(world)
    world.review(number, BOB)
    world.as_person(MALLORY)
    git(world.work, "fetch", "-q", "origin")
    git(world.work, "checkout", "-q", "-B", "main", "origin/main")
    before = git(world.work, "rev-parse", "HEAD")
    git(world.work, "merge", "-q", "--no-ff", "--no-commit", head)
    (world.work / "tenant-state/groups/g9.yaml").write_text("displayName: Mallory's\n", encoding="utf-8")
    git(world.work, "add", "-A")
    git(world.work, "commit", "-q", "-m", f"Merge pull request #{number} from org/change")
    git(world.work, "push", "-q", "origin", "main")
    after = git(world.work, "rev-parse", "HEAD")
    world.runner.edit_github(lambda s: next(p for p in s["pulls"] if p["number"] == number).update(
        state="merged", merge_commit_sha=after, merged_by="mallory"))
    refused(world, before, after, rf"changes 1 file\(s\) not as pull request #{number}'s approved head "
                                  rf"{head[:12]} has them \(first: tenant-state/groups/g9.yaml\)")


def test_a_squash_of_the_head_passes_and_its_branch_need_not_be_fetched(world: World) -> None:
    number, _ = published_pull(world)
    world.review(number, BOB)
    before, after = world.merge(number, squash=True)
    git(world.origin, "branch", "-D", "change")   # "automatically delete head branches"
    assert check(world, before, after).pr == number


def test_a_rebase_merge_of_several_commits_is_refused_and_of_one_passes(world: World) -> None:
    number, _ = published_pull(world)
    head = commit_on_pull(world, number, pusher=ADA, author=ADA, message="second")
    world.review(number, BOB)
    world.as_person(BOB)
    git(world.work, "fetch", "-q", "origin")
    git(world.work, "checkout", "-q", "-B", "main", "origin/main")
    before = git(world.work, "rev-parse", "HEAD")
    git(world.work, "cherry-pick", f"{before}..{head}")
    git(world.work, "push", "-q", "origin", "main",
        env={**os.environ, "FAKE_GH_PUSHER": "bob", "FAKE_GH_ACTIVITY_TYPE": "pr_merge"})
    after = git(world.work, "rev-parse", "HEAD")
    world.runner.edit_github(lambda s: next(p for p in s["pulls"] if p["number"] == number).update(
        state="merged", merge_commit_sha=after, merged_by="bob"))
    refused(world, before, after, r"is not one merge onto main")

    (world.base / "one").mkdir()
    w2 = World(world.base / "one")
    n2, h2 = published_pull(w2)
    w2.review(n2, BOB)
    w2.as_person(BOB)
    git(w2.work, "fetch", "-q", "origin")
    git(w2.work, "checkout", "-q", "-B", "main", "origin/main")
    b2 = git(w2.work, "rev-parse", "HEAD")
    git(w2.work, "cherry-pick", h2)
    git(w2.work, "push", "-q", "origin", "main",
        env={**os.environ, "FAKE_GH_PUSHER": "bob", "FAKE_GH_ACTIVITY_TYPE": "pr_merge"})
    a2 = git(w2.work, "rev-parse", "HEAD")
    w2.runner.edit_github(lambda s: next(p for p in s["pulls"] if p["number"] == n2).update(
        state="merged", merge_commit_sha=a2, merged_by="bob"))
    assert check(w2, b2, a2).pr == n2


def test_a_replay_after_the_outcome_note_is_deleted_is_refused(world: World) -> None:
    """The outcome note is a ref any collaborator can delete; GitHub's activity log is not: the same merge
    pushed onto main a second time is a replay."""
    number, _ = published_pull(world)
    world.review(number, BOB)
    before, after = world.merge(number)
    assert check(world, before, after).pr == number
    applier = world.base / "applier"    # the recovery applied it and pushed its outcome note
    git(world.base, "clone", "-q", "--no-local", str(world.origin), str(applier))
    record_apply_outcome(applier, after, {"status": "applied", "checksum": "c0ffee" * 10 + "c0ff"})
    push_notes(applier)
    world.as_person(MALLORY)
    git(world.work, "push", "-q", "origin", f":{NOTES_REF}")                         # Mallory deletes the note,
    git(world.work, "push", "-q", "-f", "origin", f"{before}:refs/heads/main")     # rewinds main ...
    git(world.work, "push", "-q", "origin", f"{after}:refs/heads/main")            # ... and push the merge again
    (world.base / f"checkout-{after[:8]}").rename(world.base / "first-checkout")   # a new run, a new checkout
    message = refused(world, before, after, r"does not show [0-9a-f]{12} \(pull request #\d+\) pushed exactly once")
    assert "pr_merge from" in message and "push from" in message


# ------------------------------------------------------------------------------------------ the plan's provenance
def test_the_publisher_running_a_swapped_install_proves_nothing(world: World) -> None:
    """publish-plan.yml is unchanged, but Mallory pushed another lock to main: the publisher would install her
    entragit, which could write any record. Only runs whose definition commit holds the pinned lock count."""
    world.branch("change", ADA, CHANGE)
    number = world.open_pull("change", ADA)
    world.as_person(MALLORY)
    git(world.work, "fetch", "-q", "origin")
    git(world.work, "checkout", "-q", "-B", "main", "origin/main")
    lock = world.work / ".entragit/requirements.txt"
    lock.write_text(lock.read_text(encoding="utf-8") + "# swapped\n", encoding="utf-8")
    git(world.work, "commit", "-q", "-am", "bump the lock")
    git(world.work, "push", "-q", "origin", "main")
    world.merge_ref(number)
    assert world.publish(number).result == "success"
    world.review(number, BOB)
    before, after = world.merge(number)
    message = refused(world, before, after, r"was published by entragit's publisher")
    assert "installed entragit from the .entragit/requirements.txt of" in message
    assert f"not the lock the administrators pin ({world.lock_sha256})" in message


def test_a_run_of_a_publisher_a_pull_request_changed_proves_nothing(world: World, tmp_path: Path) -> None:
    """The pull request carries its own publish-plan.yml, triggered on pull_request, run from its branch."""
    text = PUBLISH.read_text(encoding="utf-8")
    guard = text[text.index("    if: >-", text.index("  publish:")):text.index("    runs-on:", text.index("  publish:"))]
    evil = text.replace("  workflow_dispatch:", "  pull_request:\n  workflow_dispatch:").replace(guard, "")
    head = world.branch("change", MALLORY, {**CHANGE, ".github/workflows/publish-plan.yml": evil})
    number = world.open_pull("change", MALLORY)
    rogue = tmp_path / "pr-copy" / "publish-plan.yml"
    rogue.parent.mkdir()
    rogue.write_text(evil, encoding="utf-8")
    ctx = world.runner.github_context("pull_request", ref=f"refs/pull/{number}/merge", sha=head, event={
        "repository": {"default_branch": "main"}, "pull_request": {"number": number}})
    assert world.runner.run_job(rogue, "publish", ctx, inputs={"pr": str(number)}).result == "success"
    [artifact] = world.runner.github_state()["artifacts"]
    assert artifact["name"] == f"entragit-plan-{number}-{head}"
    world.review(number, BOB)
    before, after = world.merge(number)
    message = refused(world, before, after, r"was published by entragit's publisher")
    assert "was triggered by pull_request, not workflow_run or workflow_dispatch" in message


def test_a_plan_published_for_another_pull_request_proves_nothing(world: World) -> None:
    """Two pull requests; the second's genuine artifact is made to carry the first's name (as a copy of its
    checksum would): the record inside names the other pull request and head."""
    n1, h1 = published_pull(world)
    world.runner.edit_github(lambda s: s["artifacts"].clear())
    world.branch("other", ADA, {"tenant-state/groups/g2.yaml": "displayName: Other\n"}, message="other")
    n2 = world.open_pull("other", ADA)
    assert world.publish(n2).result == "success"
    world.runner.edit_github(lambda s: s["artifacts"][0].update(name=f"entragit-plan-{n1}-{h1}"))
    world.review(n1, BOB)
    before, after = world.merge(n1)
    refused(world, before, after, rf"records pull request {n2} at [0-9a-f]{{12}}")
