"""Runs the jobs of a workflow file locally, the way a GitHub-hosted runner would, for the workflow tests.

Each job gets a fresh clone of a local bare repository (`origin`) as its workspace. `run:` steps run as
GitHub runs `shell: bash` (`bash --noprofile --norc -eo pipefail script`) with the workflow's, the job's and
the step's `env:` rendered from the expression contexts, GitHub's default variables, and files for
`$GITHUB_OUTPUT`, `$GITHUB_ENV` and `$GITHUB_STEP_SUMMARY`. `if:` conditions are evaluated with the job's
status; a job's `outputs:` are evaluated when it ends. The `uses:` steps are stood in for: `actions/checkout`
clones `origin` and checks out what the real action would (a branch, a pull request's merge ref, the event's
commit); `actions/setup-python` does nothing (entragit's own Python is on PATH); `actions/upload-artifact` zips
the files into the fake GitHub as an artifact of the run. A job that calls a reusable workflow (`uses:` at job
level) runs the called workflow's job from a local copy (``Runner.reusable``), with the caller's `github`
context, as GitHub does. Each job's run is recorded in the fake GitHub (workflow path, event, definition
commit, branch, conclusion) for the provenance check to read. `gh` and `pip` are stand-ins on PATH
(fake_gh.py records the first; the second records and installs nothing: entragit is installed already).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.workflows import fake_gh
from tests.workflows.gha import evaluate_if, interpolate
from tests.workflows.helpers import load_workflow

FAKE_GH = Path(__file__).with_name("fake_gh.py")


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env)
    if proc.returncode:
        raise AssertionError(f"git {' '.join(args)} failed in {cwd}: {proc.stderr}")
    return proc.stdout.strip()


@dataclass
class StepResult:
    name: str
    outcome: str  # success | failure | skipped
    returncode: int | None = None
    output: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    exported: dict[str, str] = field(default_factory=dict)  # written to $GITHUB_ENV


@dataclass
class JobResult:
    workflow: str
    job: str
    result: str  # success | failure | skipped
    steps: list[StepResult] = field(default_factory=list)
    summary: str = ""
    workspace: Path | None = None
    outputs: dict[str, str] = field(default_factory=dict)

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)

    @property
    def log(self) -> str:
        return "\n".join(f"--- {s.name}: {s.outcome} ({s.returncode})\n{s.output}" for s in self.steps)


class Runner:
    """A GitHub-hosted runner in miniature, bound to one repository (`origin`) and its variables."""

    def __init__(self, base: Path, origin: Path, *, repository: str = "org/tenant",
                 variables: dict[str, str] | None = None, env: dict[str, str] | None = None) -> None:
        self.base, self.origin, self.repository = base, origin, repository
        self.vars = dict(variables or {})
        self.tools = base / "tools"
        self.tools.mkdir(parents=True, exist_ok=True)
        self.gh_state = base / "github.json"
        self.reusable: dict[str, Path] = {}   # "owner/repo/.github/workflows/x.yml@ref" -> a local copy
        self._runs = 0
        self._write_tools()
        path = os.pathsep.join([str(self.tools), str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        self.env = {
            "PATH": path, "HOME": str(base / "home"), "LANG": "C.UTF-8",
            "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
            "FAKE_GH_STATE": str(self.gh_state), "FAKE_PIP_LOG": str(base / "pip.log"),
            "FAKE_GH_ORIGIN": str(origin), "GITHUB_REPOSITORY": repository,
            **(env or {}),
        }
        (base / "home").mkdir(exist_ok=True)

    def _write_tools(self) -> None:
        gh = self.tools / "gh"
        gh.write_text(f"#!/bin/sh\nexec '{sys.executable}' -S '{FAKE_GH}' \"$@\"\n", encoding="utf-8")
        pip = self.tools / "pip"
        pip.write_text('#!/bin/sh\necho "pip $*" >> "$FAKE_PIP_LOG"\n', encoding="utf-8")
        for tool in (gh, pip):
            tool.chmod(0o755)

    # ------------------------------------------------------------------ GitHub's side
    def github_state(self) -> dict[str, Any]:
        return json.loads(self.gh_state.read_text(encoding="utf-8")) if self.gh_state.exists() else {}

    def edit_github(self, change: Any) -> Any:
        state = {**fake_gh.empty_state(), **self.github_state()}
        out = change(state)
        self.gh_state.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
        return out

    def tick(self) -> str:
        """The fake GitHub's clock moved on by one second: a time-stamp for something a person does now."""
        return self.edit_github(fake_gh.tick)

    def _record_run(self, workflow: Path, github: dict[str, Any], conclusion: str | None) -> None:
        def change(state: dict[str, Any]) -> None:
            run = state["runs"].get(github["run_id"])
            if run is None:
                run = state["runs"][github["run_id"]] = {
                    "id": int(github["run_id"]), "name": load_workflow(workflow).get("name"),
                    "path": f".github/workflows/{workflow.name}", "event": github["event_name"],
                    "head_sha": github["sha"], "run_attempt": 1, "created_at": fake_gh.tick(state),
                    "head_branch": github["ref_name"] if github["ref"].startswith("refs/heads/") else None,
                    "status": "in_progress", "conclusion": None}
            if conclusion is not None and run.get("conclusion") != "failure":
                run.update(status="completed", conclusion=conclusion, updated_at=fake_gh.tick(state))
        self.edit_github(change)

    def github_context(self, event_name: str, *, ref: str, sha: str, event: dict[str, Any]) -> dict[str, Any]:
        self._runs += 1
        return {"event_name": event_name, "ref": ref, "ref_name": ref.rsplit("/", 1)[-1]
                if ref.startswith("refs/heads/") else ref, "sha": sha, "repository": self.repository,
                "run_id": str(9000 + self._runs), "run_number": str(self._runs), "token": "ghs_fake_token",
                "server_url": "https://github.com", "event": event, "workspace": ""}

    # ------------------------------------------------------------------ running
    def run_job(self, workflow: Path, job_id: str, github: dict[str, Any], *, inputs: dict[str, Any] | None = None,
                needs: dict[str, dict[str, Any]] | None = None, stop_after: str | None = None) -> JobResult:
        """Run one job (all its steps, or up to the step named ``stop_after``) and say how it went."""
        data = load_workflow(workflow)
        job = data["jobs"][job_id]
        ctx: dict[str, Any] = {"github": github, "vars": self.vars, "inputs": inputs or {}, "needs": needs or {},
                               "secrets": {}, "steps": {}, "env": {}, "job": {}, "runner": {"temp": ""}}
        result = JobResult(workflow=workflow.name, job=job_id, result="skipped")
        if not evaluate_if(job.get("if"), ctx, _status("success", needs)):
            return result
        if "uses" in job:
            return self._call(workflow, job_id, job, ctx, github, stop_after)
        self._record_run(workflow, github, None)
        result = self._steps(workflow, data, job_id, job, ctx, github, stop_after)
        self._record_run(workflow, github, result.result)
        return result

    def _call(self, workflow: Path, job_id: str, job: dict[str, Any], ctx: dict[str, Any], github: dict[str, Any],
              stop_after: str | None) -> JobResult:
        """A job calling a reusable workflow: the called workflow's jobs (one, here) with the caller's context."""
        called_path = self.reusable.get(job["uses"])
        if called_path is None:
            raise AssertionError(f"no local copy of the reusable workflow {job['uses']} (Runner.reusable)")
        called = load_workflow(called_path)
        inputs = {k: interpolate(v, ctx) for k, v in (job.get("with") or {}).items()}
        self._record_run(workflow, github, None)
        [(inner_id, inner)] = called["jobs"].items()
        inner_ctx = {**ctx, "inputs": inputs, "steps": {}, "env": {}}
        result = JobResult(workflow=called_path.name, job=inner_id, result="skipped")
        if evaluate_if(inner.get("if"), inner_ctx, _status("success")):
            result = self._steps(called_path, called, inner_id, inner, inner_ctx, github, stop_after)
        result.job = job_id
        outputs = ((called.get("on") or {}).get("workflow_call") or {}).get("outputs") or {}
        job_ctx = {**ctx, "jobs": {inner_id: {"outputs": result.outputs, "result": result.result}}}
        result.outputs = {k: interpolate(v["value"], job_ctx) for k, v in outputs.items()}
        self._record_run(workflow, github, "skipped" if result.result == "skipped" else result.result)
        return result

    def _steps(self, workflow: Path, data: dict[str, Any], job_id: str, job: dict[str, Any], ctx: dict[str, Any],
               github: dict[str, Any], stop_after: str | None) -> JobResult:
        result = JobResult(workflow=workflow.name, job=job_id, result="skipped")
        home = self.base / f"run-{github['run_id']}-{job_id}"
        workspace, temp = home / "workspace", home / "temp"
        temp.mkdir(parents=True)
        summary = temp / "step_summary.md"
        summary.touch()
        github = {**github, "workspace": str(workspace)}
        ctx["github"] = github
        ctx["runner"] = {"temp": str(temp)}
        default_env = {
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": self.repository,
            "GITHUB_RUN_ID": github["run_id"], "GITHUB_RUN_NUMBER": github["run_number"],
            "GITHUB_SERVER_URL": github["server_url"], "GITHUB_SHA": github["sha"], "GITHUB_REF": github["ref"],
            "GITHUB_REF_NAME": github["ref_name"], "GITHUB_EVENT_NAME": github["event_name"],
            "GITHUB_WORKSPACE": str(workspace), "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(temp),
            "GITHUB_JOB": job_id,
        }
        env: dict[str, str] = {}
        for scope in (data.get("env", {}), job.get("env", {})):
            for key, value in scope.items():
                ctx["env"] = env
                env[key] = interpolate(value, ctx)
        result.workspace = workspace
        status = "success"
        for index, step in enumerate(job["steps"]):
            name = step.get("name") or step.get("uses") or f"step {index}"
            ctx["env"] = env
            if not evaluate_if(step.get("if"), ctx, _status(status)):
                result.steps.append(StepResult(name, "skipped"))
                continue
            if "uses" in step:
                res = self._uses(step, ctx, workspace)
            else:
                res = self._run(step, ctx, {**self.env, **default_env, **env}, workspace, temp, index)
            res.name = name
            result.steps.append(res)
            if step.get("id"):
                ctx["steps"][step["id"]] = {"outputs": res.outputs, "outcome": res.outcome,
                                            "conclusion": res.outcome}
            env.update(res.exported)
            if res.outcome == "failure" and not step.get("continue-on-error"):
                status = "failure"
            if name == stop_after:
                break
        result.result = status
        result.summary = summary.read_text(encoding="utf-8")
        result.outputs = {k: interpolate(v, ctx) for k, v in (job.get("outputs") or {}).items()}
        return result

    def _uses(self, step: dict[str, Any], ctx: dict[str, Any], workspace: Path) -> StepResult:
        action = step["uses"].split("@", 1)[0]
        with_ = {k: interpolate(v, ctx) for k, v in (step.get("with") or {}).items()}
        if action == "actions/setup-python":
            return StepResult("", "success")
        if action == "actions/upload-artifact":
            return self._upload(with_, ctx, workspace)
        if action != "actions/checkout":
            raise AssertionError(f"no stand-in for the action {action}")
        github = ctx["github"]
        if workspace.exists():   # a second checkout in a job: the workspace is cleaned (clean: true)
            shutil.rmtree(workspace)
        git(self.base, "clone", "-q", "--no-local", str(self.origin), str(workspace))
        ref = with_.get("ref") or ""
        if ref.startswith("refs/") and not ref.startswith("refs/heads/"):  # e.g. refs/pull/7/merge
            git(workspace, "fetch", "-q", "origin", f"+{ref}:{ref}")
            git(workspace, "checkout", "-q", "--detach", ref)
        elif ref:  # a branch of origin, at its tip now
            branch = ref.removeprefix("refs/heads/")
            git(workspace, "checkout", "-q", "-B", branch, f"origin/{branch}")
        elif github["ref"].startswith("refs/heads/"):  # the event's branch, at the event's commit
            git(workspace, "checkout", "-q", "-B", github["ref_name"], github["sha"])
        else:  # a pull request's merge ref or a tag: detached at the event's commit
            git(workspace, "fetch", "-q", "origin", f"+{github['ref']}:{github['ref']}")
            git(workspace, "checkout", "-q", "--detach", github["sha"])
        return StepResult("", "success", 0, f"checked out {git(workspace, 'rev-parse', 'HEAD')}")

    def _upload(self, with_: dict[str, Any], ctx: dict[str, Any], workspace: Path) -> StepResult:
        """actions/upload-artifact: the files under `path` (relative to the folder given), zipped, as an artifact
        of this run in the fake GitHub; outputs artifact-id, artifact-url, artifact-digest as the action does."""
        github = ctx["github"]
        roots = [Path(p) if Path(p).is_absolute() else workspace / p for p in str(with_["path"]).split()]
        files = [(f, f.relative_to(r if r.is_dir() else r.parent)) for r in roots
                 for f in ([r] if r.is_file() else sorted(x for x in r.rglob("*") if x.is_file()))]
        if not files and with_.get("if-no-files-found") == "error":
            return StepResult("", "failure", 1, f"no files found at {with_['path']}")
        store = self.base / "artifacts"
        store.mkdir(exist_ok=True)

        def change(state: dict[str, Any]) -> dict[str, str]:
            art_id = state["next_artifact"]
            state["next_artifact"] += 1
            path = store / f"{art_id}.zip"
            with zipfile.ZipFile(path, "w") as archive:
                for file, name in files:
                    archive.write(file, name.as_posix())
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            state["artifacts"].append({"id": art_id, "name": with_.get("name", "artifact"), "file": str(path),
                                       "size": path.stat().st_size, "digest": f"sha256:{digest}",
                                       "run_id": int(github["run_id"]), "created_at": fake_gh.tick(state)})
            url = f"{github['server_url']}/{self.repository}/actions/runs/{github['run_id']}/artifacts/{art_id}"
            return {"artifact-id": str(art_id), "artifact-url": url, "artifact-digest": digest}

        return StepResult("", "success", 0, f"uploaded {len(files)} file(s)", self.edit_github(change))

    def _run(self, step: dict[str, Any], ctx: dict[str, Any], env: dict[str, str], workspace: Path, temp: Path,
             index: int) -> StepResult:
        step_env = {k: interpolate(v, ctx) for k, v in (step.get("env") or {}).items()}
        output_file, env_file = temp / f"output-{index}", temp / f"env-{index}"
        output_file.touch()
        env_file.touch()
        script = temp / f"step-{index}.sh"
        script.write_text(step["run"], encoding="utf-8")
        cwd = workspace / step.get("working-directory", "") if workspace.exists() else temp
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=cwd,
                              env={**env, **step_env, "GITHUB_OUTPUT": str(output_file),
                                   "GITHUB_ENV": str(env_file)},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
        return StepResult("", "success" if proc.returncode == 0 else "failure", proc.returncode, proc.stdout,
                          parse_github_file(output_file.read_text(encoding="utf-8")),
                          parse_github_file(env_file.read_text(encoding="utf-8")))


def _status(current: str, needs: dict[str, dict[str, Any]] | None = None) -> dict[str, bool]:
    if needs:
        results = [n.get("result") for n in needs.values()]
        failed = any(r == "failure" for r in results)
        ok = all(r == "success" for r in results)
        return {"success": ok, "failure": failed, "cancelled": False}
    return {"success": current == "success", "failure": current == "failure", "cancelled": False}


def parse_github_file(text: str) -> dict[str, str]:
    """`$GITHUB_OUTPUT` / `$GITHUB_ENV` content: `name=value` lines and `name<<DELIM ... DELIM` blocks."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and "=" not in line.split("<<", 1)[0]:
            name, delim = line.split("<<", 1)
            body = []
            i += 1
            while i < len(lines) and lines[i] != delim:
                body.append(lines[i])
                i += 1
            values[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
        i += 1
    return values


class Tenant:
    """The served emulator, changed the way an administrator would, through Graph."""

    def __init__(self, root: str) -> None:
        self.http = httpx.Client(base_url=f"{root}/v1.0", headers={"Authorization": "Bearer test"}, timeout=30)

    def send(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        """One request, waiting out the throttling the served emulator applies as Graph does (conditional
        access: 1 request/s per tenant, 429 without Retry-After)."""
        for _ in range(20):
            response = self.http.request(method, path, json=body)
            if response.status_code != 429:
                response.raise_for_status()
                return response
            time.sleep(float(response.headers.get("Retry-After", "1.1")))
        raise AssertionError(f"{method} {path}: still throttled")

    def get(self, path: str) -> Any:
        return self.send("GET", path).json()

    def patch(self, path: str, body: dict[str, Any]) -> None:
        self.send("PATCH", path, body)

    def delete(self, path: str) -> None:
        self.send("DELETE", path)
