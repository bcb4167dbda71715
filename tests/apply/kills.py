"""A served emulator with replication lag, a remote with one backup, and `entragit apply` as a process to kill.

:class:`KillLab` drives the scenario of :mod:`tests.apply.test_kills`: the demo tenant loses objects that only a
create brings back (three groups purged, a named location deleted, a user purged); `entragit apply` runs as a
child process (one write at a time) against ``entragit emulator serve --replication-lag 2``, whose fault knob
``holdWrite`` holds the N-th write before or after Graph executes it; the test kills the child there (SIGKILL
or SIGTERM), lets the held request go, and re-runs the apply from a fresh clone of the remote.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from entragit.backups import backup
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.errors import GraphError
from entragit.export import export_tree
from entragit.graph import GraphClient, run
from tests.plugins.emulator import serve
from tests.plugins.graph import FAST_RETRY

GROUPS = ("HR Portal Users", "Human Resources", "Automation Service Accounts")
USER = F.user_ids[F.cloud_user_upn]
LOCATION = F.named_location_ids[F.detachable_ip_location]
GSA = F.ca_policy_ids[F.gsa_policy]
POLICIES = "identity/conditionalAccess/policies"
LOCATIONS = "identity/conditionalAccess/namedLocations"
GIT_ENV = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Test Operator",
           "GIT_AUTHOR_EMAIL": "operator@example.com", "GIT_COMMITTER_NAME": "Test Operator",
           "GIT_COMMITTER_EMAIL": "operator@example.com"}
# the options of every apply of the scenario (the user is a new identity: asked for by id)
APPLY = ("apply", "--yes", "--no-remote-lock", "--recreate", USER, "--force", "recovery of the incident")
# `entragit` as a process whose Graph client seam (entragit.graph.CLIENT_FACTORY, where tests point the commands)
# gives a client on the served emulator with short eventual-consistency waits, one request at a time
BOOT = (
    "import sys, entragit.graph as g\n"
    "from entragit.graph import GraphClient, RetryPolicy\n"
    "policy = RetryPolicy(max_attempts=6, backoff_base=0.01, backoff_max=0.2, settle_base=0.01, settle_max=0.05)\n"
    "g.CLIENT_FACTORY = lambda settings: GraphClient(settings.graph_root, retry=policy, concurrency=1)\n"
    "from entragit.cli import main\n"
    "main(sys.argv[1:])\n"
)


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV})
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout.strip()


def served(*options: str) -> Any:
    """The served emulator of the scenario: without quotas (the apply is paced by its own client) and `options`."""
    return serve("--no-quotas", *options)


class KillLab:
    """One served emulator and a bare remote holding the demo tenant's backup (made once)."""

    def __init__(self, url: str, root: Path) -> None:
        self.url, self.root = url, root
        self.origin = root / "origin.git"
        self.runs = 0

    # -- the emulator -----------------------------------------------------------------------------------------
    def control(self, name: str, body: Any = None) -> Any:
        with httpx.Client(base_url=self.url, timeout=30) as http:
            answer = http.post(f"/_emulator/{name}", json=body) if body is not None else http.get(f"/_emulator/{name}")
            answer.raise_for_status()
            return answer.json()

    def client(self) -> GraphClient:
        return GraphClient(self.url, retry=FAST_RETRY)

    def graph(self, work: Any) -> Any:
        async def go() -> Any:
            async with self.client() as c:
                return await work(c)
        return run(go())

    # -- the remote -------------------------------------------------------------------------------------------
    def make_origin(self) -> None:
        """The remote: one backup of the demo tenant (as the nightly backup made it before the incident)."""
        self.control("reset", {"seed": "demo"})
        seed = self.root / "seed"
        seed.mkdir()
        git(seed, "init", "-q", "-b", "main")
        (seed / "README.md").write_text("# tenant repository\n", encoding="utf-8")
        git(seed, "add", "README.md")
        git(seed, "commit", "-q", "-m", "init")
        client = self.client()
        old = {k: os.environ.get(k) for k in GIT_ENV}
        os.environ.update(GIT_ENV)
        try:
            backup(seed, export_step=lambda out: export_tree(client, out, durable=False), now="2026-07-01T23:00:00Z")
        finally:
            for k, v in old.items():
                os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
            run(client.aclose())
        git(self.root, "init", "-q", "--bare", "-b", "main", str(self.origin))
        git(seed, "remote", "add", "origin", str(self.origin))
        git(seed, "push", "-q", "origin", "main", "--tags")

    def fresh(self, name: str) -> tuple[Path, Path]:
        """A copy of the remote (this scenario's, so that notes pushed by one scenario never reach another)
        and a fresh clone of it: ``(remote, clone)``."""
        remote = self.root / f"{name}.git"
        shutil.rmtree(remote, ignore_errors=True)
        shutil.copytree(self.origin, remote)
        return remote, self.clone(remote, f"{name}-first")

    def clone(self, remote: Path, name: str) -> Path:
        work = self.root / name
        shutil.rmtree(work, ignore_errors=True)
        git(self.root, "clone", "-q", str(remote), str(work))
        return work

    # -- the incident -----------------------------------------------------------------------------------------
    def damage(self) -> None:
        """The tenant as the backup has it, then: three groups and a user purged, a named location detached
        from its policy and deleted. Only creates bring them back."""
        self.control("reset", {"seed": "demo"})
        self.control("replication", {"requests": 2})
        self.control("faults", {"holdWrite": 0, "reset": True})
        groups = [F.group_ids[name] for name in GROUPS]

        async def go(c: GraphClient) -> None:
            policy = await c.get(f"{POLICIES}/{GSA}")
            conditions = policy["conditions"]
            conditions["locations"]["excludeLocations"] = []
            await c.patch(f"{POLICIES}/{GSA}", {"conditions": conditions, "state": "disabled"})
            await c.delete(f"{LOCATIONS}/{LOCATION}")
            for obj_id, collection in [(g, "groups") for g in groups] + [(USER, "users")]:
                await c.delete(f"{collection}/{obj_id}")
            for obj_id in [*groups, USER]:
                for _ in range(20):  # the deletion replicates: deleted items show it a few requests later
                    try:
                        await c.delete(f"directory/deletedItems/{obj_id}")
                        break
                    except GraphError as exc:
                        if exc.status != 404:
                            raise
                        await c.get("organization")
        self.graph(go)

    # -- entragit ---------------------------------------------------------------------------------------------
    def spawn(self, clone: Path, *args: str) -> subprocess.Popen[str]:
        env = {**os.environ, **GIT_ENV, "ENTRAGIT_CONCURRENCY": "1", "PYTHONUNBUFFERED": "1"}
        env.pop("ENTRAGIT_GRAPH_URL", None)
        return subprocess.Popen([sys.executable, "-c", BOOT, "--repo", str(clone), "--graph-url", self.url, *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    def cli(self, clone: Path, *args: str) -> tuple[int, str, str]:
        """`entragit` as a child process (its own clock, retries and signals): ``(exit code, out, err)``."""
        proc = self.spawn(clone, *args)
        out, err = proc.communicate(timeout=600)
        return proc.returncode, out, err

    def inproc(self, clone: Path, *args: str) -> tuple[int, str, str]:
        """`entragit` in this process (the re-runs and plans: faster than a child), its Graph client seam on
        the served emulator: ``(exit code, out, err)``."""
        import contextlib
        import io

        import entragit.graph
        from entragit.cli import main

        out, err = io.StringIO(), io.StringIO()
        saved_factory = entragit.graph.CLIENT_FACTORY
        saved_env = {k: os.environ.get(k) for k in (*GIT_ENV, "ENTRAGIT_GRAPH_URL")}
        entragit.graph.CLIENT_FACTORY = lambda settings: GraphClient(settings.graph_root, retry=FAST_RETRY)
        os.environ.update(GIT_ENV)
        os.environ.pop("ENTRAGIT_GRAPH_URL", None)
        code = 0
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                main(["--repo", str(clone), "--graph-url", self.url, *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        finally:
            entragit.graph.CLIENT_FACTORY = saved_factory
            for k, v in saved_env.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        return code, out.getvalue(), err.getvalue()

    def kill_at(self, clone: Path, write: int, when: str, sig: signal.Signals, password_file: Path) -> str:
        """Run the scenario's apply and kill it while the emulator holds its ``write``-th write (``when``
        "before" Graph executes it or "after"); ``"done"`` when it ended before reaching that write."""
        self.control("faults", {"holdWrite": write, "holdWhen": when})
        proc = self.spawn(clone, *APPLY, "--password-file", str(password_file))
        deadline = time.monotonic() + 300
        held = False
        while time.monotonic() < deadline and proc.poll() is None:
            if self.control("faults")["held"]:
                held = True
                break
            time.sleep(0.05)
        if held:
            proc.send_signal(sig)
        try:
            proc.communicate(timeout=120)
        finally:
            self.control("faults", {"release": True, "holdWrite": 0})
        return "killed" if held else "done"

    # -- the tenant -------------------------------------------------------------------------------------------
    def made(self) -> dict[str, dict[str, str]]:
        """The live objects standing for the ones the incident removed (what applies made): ``{type: {id:
        name}}``; a duplicate shows as two ids with one name."""
        async def go(c: GraphClient) -> dict[str, dict[str, str]]:
            groups = {g["id"]: g["displayName"] for g in await c.list_all("groups") if g["displayName"] in GROUPS}
            upn = F.cloud_user_upn.lower()
            users = {u["id"]: upn for u in await c.list_all("users") if u["userPrincipalName"].lower() == upn}
            name = F.detachable_ip_location
            locations = {n["id"]: name for n in await c.list_all(LOCATIONS)
                         if n["displayName"] == name or n["displayName"].startswith(f"{name} [entragit ")}
            return {"groups": groups, "users": users, "namedLocations": locations}
        return self.graph(go)

    def census(self) -> dict[str, Counter[str]]:
        """How many live objects carry each name the scenario recreates (a duplicate shows as a count of 2)."""
        return {k: Counter(v.values()) for k, v in self.made().items()}

    def writes(self) -> list[tuple[str, str, int]]:
        """The writes the emulator answered since its counters were reset: (method, path, status)."""
        from entragit.emulator.limits.faults import is_write

        return [(r["method"], r["path"], r["status"]) for r in self.control("requests")["value"]
                if is_write(r["method"], r["path"])]


def plan_json(lab: KillLab, clone: Path) -> dict[str, Any]:
    code, out, err = lab.inproc(clone, "plan", "--format", "json", "--recreate", USER, "--force", "recovery")
    assert code == 0, err
    return json.loads(out)
