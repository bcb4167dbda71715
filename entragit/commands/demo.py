"""``entragit demo``: the whole story an administrator expects, on the embedded tenant emulator.

The demo tenant (``seeds.demo_seed``) is served by an emulator running inside this process (on a loopback
port of its own, in a background thread), and the demo runs the very commands a tenant repository runs,
in a temporary directory (or ``--keep DIR``). One calendar holds for the whole story: the emulator's clock and
entragit's (``ENTRAGIT_NOW``) stand at each step's moment (:data:`MOMENTS`), so nothing is dated after the
backup that records it.

1. ``entragit init``: scaffold a tenant repository (workflows, entragit.yaml, schemas).
2. ``entragit backup``: the nightly backup; a commit and a ``backup/...`` tag.
3. The next morning, someone switches off the "Allow GSA Traffic only" policy and deletes a group (Graph writes).
4. ``entragit diff --from <the backup>``: the administrator reacts at once: the report shows both changes.
5. ``entragit recover --from <the backup>``: records the live tenant first (a backup of the damage), then
   the revert branch and its pull request (report, plan, checksum).
6. ``git merge``: the pull request is reviewed and merged.
7. ``entragit apply --scope-from A..B --checksum <reviewed>``: the applier writes the plan, and only the plan
   the reviewers saw (the guard recover.yml relies on): the policy back on, the group restored (same id).
8. ``entragit backup``: that night the tenant is where the first backup left it.

The emulator side (serving the demo tenant in a thread, the administrator's changes) is :mod:`entragit.demo`.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click

from entragit.commands import cli, load_commands
from entragit.errors import EntragitError

# The story's moments (the emulator's clock and ENTRAGIT_NOW), so tags and reports read the same every run.
MOMENTS = {
    "night": "2026-11-23T23:00:00Z",      # the nightly backup
    "change": "2026-11-24T09:12:00Z",     # someone changes the tenant
    "diff": "2026-11-24T09:20:00Z",       # the administrator looks at once
    "recover": "2026-11-24T09:25:00Z",    # and builds the revert
    "apply": "2026-11-24T10:05:00Z",      # merged after review: applied
    "next night": "2026-11-24T23:00:00Z",  # the next nightly backup
}


@dataclass
class DemoResult:
    directory: Path
    steps: list[str] = field(default_factory=list)
    seconds: float = 0.0
    back_to_first_backup: bool = False


class _Runner:
    """Runs entragit commands in this process, printing each as a shell line first."""

    def __init__(self, repo: Path, graph_url: str, echo: Callable[[str], None]) -> None:
        self.repo, self.graph_url, self.echo = repo, graph_url, echo
        self.now: str | None = None

    def at(self, moment: str) -> None:
        """Move the story (the emulator's clock, and entragit's) to ``MOMENTS[moment]``."""
        from entragit.demo import set_clock

        self.now = MOMENTS[moment]
        set_clock(self.graph_url, self.now)

    def heading(self, text: str) -> None:
        self.echo("")
        self.echo(click.style(f"== {text}", bold=True))

    def entragit(self, *args: str, ok: tuple[int, ...] = (0,)) -> int:
        load_commands()  # every command on the group (run_demo may be called without the CLI)
        self.echo(click.style("$ entragit " + " ".join(shlex.quote(a) for a in args), fg="cyan"))
        env = {"ENTRAGIT_GRAPH_URL": self.graph_url, "CI": "true"}
        if self.now:
            env["ENTRAGIT_NOW"] = self.now
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        code = 0
        try:
            cli.main(args=["--repo", str(self.repo), *args], prog_name="entragit", standalone_mode=False)
        except EntragitError as exc:
            self.echo(f"entragit: error: {exc}")
            code = exc.exit_code
        except click.ClickException as exc:
            exc.show()
            code = exc.exit_code
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        if code not in ok:
            raise EntragitError(f"demo step `entragit {' '.join(args)}` ended with exit code {code}")
        return code

    def git(self, *args: str, show: bool = True) -> str:
        if show:
            self.echo(click.style("$ git " + " ".join(shlex.quote(a) for a in args), fg="cyan"))
        done = subprocess.run(["git", *args], cwd=self.repo, capture_output=True, text=True)
        if done.returncode != 0:
            raise EntragitError(f"demo step `git {' '.join(args)}` failed: {done.stderr.strip()}")
        if show and done.stdout.strip():
            self.echo(done.stdout.rstrip())
        return done.stdout


def run_demo(keep: Path | None = None, echo: Callable[[str], None] = click.echo) -> DemoResult:
    # the emulator is imported by the demo only, not by every command's start-up
    from entragit.demo import admin_changes, serve_in_thread

    start = time.monotonic()
    if keep is not None:
        keep = keep.resolve()
        if keep.exists() and any(keep.iterdir()):
            raise EntragitError(f"--keep {keep}: the directory exists and is not empty")
        keep.mkdir(parents=True, exist_ok=True)
        ctx: contextlib.AbstractContextManager[str] = contextlib.nullcontext(str(keep))
    else:
        ctx = tempfile.TemporaryDirectory(prefix="entragit-demo-")
    with ctx as tmp, serve_in_thread("demo") as url:
        repo = Path(tmp) / "contoso-tenant"
        result = DemoResult(directory=repo)
        run = _Runner(repo, url, echo)
        echo(f"Tenant emulator (demo tenant \"Contoso\") serving Graph at {url} (throttling quotas off so the "
             "story runs in seconds; `entragit emulator serve` enforces Graph's quotas)")
        echo(f"Tenant repository: {repo}")

        run.heading("1. Scaffold a tenant repository")
        run.entragit("init", str(repo))
        run.git("add", "-A", show=False)
        run.git("-c", "user.name=Demo Admin", "-c", "user.email=admin@contoso.com", "commit", "-q", "-m",
                "Scaffold tenant repository", show=False)

        run.heading("2. Nightly backup")
        run.at("night")
        run.entragit("backup")
        first = run.git("tag", "--list", "backup/*", show=False).split()[0]

        run.heading("3. The next morning, someone switches off a policy and deletes a group")
        run.at("change")
        policy_name, group_name = admin_changes(url, echo)

        run.heading(f"4. The administrator reacts at once: {first} against the live tenant")
        run.at("diff")
        run.entragit("diff", "--from", first, "--format", "text")

        run.heading("5. The revert pull request: the live tenant recorded first, then tenant-state/ back to "
                    f"{first}")
        run.at("recover")
        pr = Path(tmp) / "pull-request"
        pr.mkdir(exist_ok=True)
        run.entragit("recover", "--from", first, "--title-file", str(pr / "title.txt"),
                     "--body-file", str(pr / "body.md"))
        # recover leaves the working tree alone: the branch is the newest recover/* one
        branch = run.git("for-each-ref", "--sort=-committerdate", "--count=1", "--format=%(refname:short)",
                         "refs/heads/recover/", show=False).strip()
        body = (pr / "body.md").read_text(encoding="utf-8")
        reviewed = body.rsplit("Entragit-Plan-Checksum: ", 1)[1].split()[0]
        echo(f"branch: {branch}")
        echo(f"pull request title: {(pr / 'title.txt').read_text(encoding='utf-8').strip()}")
        echo(f"pull request body ({pr / 'body.md'}):")
        echo(click.style(body.rstrip(), dim=True))

        run.heading("6. The pull request is reviewed and merged")
        before = run.git("rev-parse", "HEAD", show=False).strip()
        run.git("-c", "user.name=Demo Admin", "-c", "user.email=admin@contoso.com", "merge", "--no-ff", "-q",
                "-m", f"Merge {branch}", branch)
        after = run.git("rev-parse", "HEAD", show=False).strip()

        run.heading("7. The merge runs the applier, with the checksum of the plan the reviewers saw")
        echo(f"(recover.yml passes --checksum {reviewed[:12]}…, read from the pull request: had the tenant or the "
             "branch changed since the review, the plan would differ and apply would refuse it, exit 3, writing "
             "nothing)")
        run.at("apply")
        run.entragit("apply", "--scope-from", f"{before}..{after}", "--checksum", reviewed, "--yes")

        run.heading("8. That night's backup: the tenant is where the first backup left it")
        run.at("next night")
        run.entragit("backup")
        newest = run.git("tag", "--list", "backup/*", "--sort=-creatordate", show=False).split()[0]
        diff = run.git("diff", "--stat", first, newest, "--", "tenant-state", show=False).strip()
        result.back_to_first_backup = diff == ""
        if result.back_to_first_backup:
            echo(f"git diff {first} {newest} -- tenant-state: no difference. "
                 f"{policy_name!r} is on again and {group_name!r} is back with its old id.")
        else:
            echo(f"git diff --stat {first} {newest} -- tenant-state:\n{diff}")
        run.entragit("backups")
        run.entragit("verify", "--all")
        result.seconds = time.monotonic() - start
        echo("")
        echo(f"Demo finished in {result.seconds:.1f} s." + (f" The repository is kept in {repo}." if keep else ""))
        if not result.back_to_first_backup:
            raise EntragitError("the demo tenant did not come back to its first backup (see the diff above)")
        return result


@cli.command()
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
              help="Run in DIR (new or empty) and keep the tenant repository to look around afterwards.")
def demo(keep: Path | None) -> None:
    """Run the whole story on the embedded tenant emulator, in a temporary directory."""
    run_demo(keep=keep)
