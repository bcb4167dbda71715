"""``entragit emulator serve`` itself: the first line, its flags, the socket, Ctrl-C.

Graph behaviour over the socket is tested by every test using the ``dual_sdk`` fixture (in-process AND
served, through the real msgraph-sdk request adapter) and by test_documented_bodies.py's served subset.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from entragit.emulator.seeds import DEMO_FACTS as F
from tests.plugins.emulator import GraphSdk

pytestmark = pytest.mark.served

SEED_USER = {"id": "5d6c8a1e-7a0b-4c1d-9e2f-3a4b5c6d7e8f", "displayName": "Seed File Person",
             "userPrincipalName": "seedfile@contoso.onmicrosoft.com", "mailNickname": "seedfile",
             "accountEnabled": True, "manager": None}


class Server:
    def __init__(self, args: list[str]) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "entragit", "emulator", "serve", "--host", "127.0.0.1",
                                      "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        self.url = ""

    def started(self) -> Server:
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", self.url), (self.url, self.proc.stderr)
        return self

    def interrupt(self) -> tuple[int, str, str]:
        """Ctrl-C: the exit code, the rest of stdout, stderr."""
        self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, out, err

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.kill()


def test_first_line_is_the_root_url_with_the_bound_port(served_emulator: str) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", served_emulator)
    assert urlsplit(served_emulator).port != 0
    with httpx.Client(base_url=served_emulator) as raw:
        assert raw.get("/v1.0/organization").json()["value"][0]["id"] == F.tenant_id
        assert raw.get("/beta/organization").status_code == 200
        assert raw.get("/organization").status_code == 400  # no version: not a Graph path


def test_no_delayed_ack_stalls(served_sdk: GraphSdk) -> None:
    # without TCP_NODELAY every request would stall ~40 ms (graph-sdk-notes §5): 30 requests >= 1.2 s
    served_sdk.call("GET", "organization")
    start = time.monotonic()
    for _ in range(30):
        assert served_sdk.call("GET", f"users/{F.break_glass_id}?$select=id").status == 200
    assert time.monotonic() - start < 1.0


def test_serve_flags_are_honoured_and_runs_are_reproducible(tmp_path: Path, servers: list[Server]) -> None:
    seed_file = tmp_path / "tenant.json"
    seed_file.write_text(json.dumps({"users": [SEED_USER]}), encoding="utf-8")
    flags = ["--seed", str(seed_file), "--random-seed", "5", "--fault-rate", "0.3", "--throttle-every", "4",
             "--latency-ms", "30"]
    servers += [Server([*flags, "--no-quotas"]), Server(flags)]
    a, b = (s.started() for s in servers)

    knobs = httpx.get(f"{a.url}/_emulator/faults").json()
    assert (knobs["randomSeed"], knobs["faultRate"], knobs["throttleEvery"], knobs["latencyMs"]) == (5, 0.3, 4, 30)
    assert httpx.get(f"{a.url}/_emulator/quotas").json()["enabled"] is False  # --no-quotas
    assert httpx.get(f"{b.url}/_emulator/quotas").json()["enabled"] is True  # on by default when served

    def statuses(server: Server) -> tuple[list[int], float, list[httpx.Response]]:
        with httpx.Client(base_url=server.url) as raw:
            start = time.monotonic()
            answers = [raw.get("/v1.0/users?$select=id,displayName") for _ in range(16)]
            return [r.status_code for r in answers], time.monotonic() - start, answers

    seq_a, elapsed, answers = statuses(a)
    assert elapsed >= 16 * 0.030  # --latency-ms on every request
    assert [seq_a[i] for i in (3, 7, 11, 15)] == [429] * 4  # --throttle-every 4
    assert {seq_a[i] for i in range(16) if i % 4 != 3} == {200, 503}  # --fault-rate 0.3
    assert all(r.headers.get("Retry-After") == "1" for r in answers if r.status_code != 200)
    ok = next(r for r in answers if r.status_code == 200).json()["value"]
    assert [u["displayName"] for u in ok] == ["Seed File Person"]  # --seed PATH
    seq_b, _, _ = statuses(b)
    assert seq_a == seq_b  # the same --random-seed: the same faults...
    httpx.post(f"{b.url}/_emulator/faults", json={"randomSeed": 6})  # (another seed: other faults)
    seq_other, _, _ = statuses(b)
    assert seq_other != seq_a

    # ...and the same generated ids
    new_user = {"accountEnabled": True, "displayName": "New", "mailNickname": "new",
                "userPrincipalName": "new@contoso.onmicrosoft.com", "passwordProfile": {"password": "Pa55w.rd!x9"}}
    created = []
    for server in (a, b):
        with httpx.Client(base_url=server.url) as raw:
            raw.post("/_emulator/faults", json={"faultRate": 0, "throttleEvery": 0, "latencyMs": 0})
            response = raw.post("/v1.0/users", json=new_user)
            assert response.status_code == 201, response.text
            created.append(response.json()["id"])
    assert created[0] == created[1]

    for server in (a, b):  # runs until interrupted; Ctrl-C is a clean exit
        assert server.proc.poll() is None
        code, out, err = server.interrupt()
        assert code == 0 and "Traceback" not in err and out == "", (code, err)


def test_dropped_connection_when_served(served_emulator: str) -> None:
    with httpx.Client(base_url=served_emulator) as raw:
        raw.post("/_emulator/faults", json={"dropEvery": 1, "paths": "^organization$"})
    sdk = GraphSdk(served_emulator)
    try:
        with pytest.raises(httpx.TransportError):
            sdk.call("GET", "organization")
        assert sdk.call("GET", "users?$top=1").status == 200  # only the matching path is dropped
    finally:
        sdk.close()
