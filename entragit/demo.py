"""The demo tenant, served or exported without any Graph endpoint: what ``entragit demo`` and the project's
own ``tenant-state/`` are made of. The one place outside the emulator (and ``entragit emulator``) that
imports the emulator: the core never does.

- :func:`serve_in_thread`: the emulator on a loopback port of its own, served from a thread of this process;
- :func:`admin_changes`: what an administrator does in the portal between two backups (through Graph);
- :func:`set_clock`: the emulator's clock stopped at a moment of the story;
- :func:`export_demo` (``python -m entragit.demo export DIR``): the demo tenant exported into ``DIR``,
  e.g. to refresh the project's own ``tenant-state/``.

The story itself (``entragit demo``) is :mod:`entragit.commands.demo`: it runs the CLI's commands.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx

from entragit.errors import EntragitError
from entragit.export import ExportResult, Progress, export_tree_async


@contextlib.contextmanager
def serve_in_thread(seed: str = "demo", quotas: bool = False) -> Iterator[str]:
    """An emulator on 127.0.0.1 (a free port) served from a thread of this process; yields its root URL."""
    import uvicorn

    from entragit.emulator import Emulator

    emu = Emulator(seed=seed, quotas=quotas)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(emu.app, log_level="warning", access_log=False, lifespan="on",
                                           http="h11"))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # the main thread keeps Ctrl-C
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="entragit-demo-emulator",
                              daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise EntragitError("the demo emulator did not start")
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def admin_changes(graph_url: str, echo: Callable[[str], None]) -> tuple[str, str]:
    """What an administrator does in the portal between two backups: through Graph, like the portal."""
    from entragit.emulator.seeds import DEMO_FACTS

    policy_name = DEMO_FACTS.gsa_policy
    policy_id = DEMO_FACTS.ca_policy_ids[policy_name]
    group_name = "Sales Team"
    group_id = DEMO_FACTS.group_ids[group_name]
    headers = {"Authorization": "Bearer demo"}
    with httpx.Client(base_url=f"{graph_url}/v1.0", headers=headers, timeout=30) as http:
        # CA requests are limited to 1 request/s per tenant and their 429s carry no Retry-After, like Graph:
        # back off exponentially (throttled requests count too, so retrying every second would never pass)
        for attempt in range(6):
            r = http.patch(f"/identity/conditionalAccess/policies/{policy_id}", json={"state": "disabled"})
            if r.status_code != 429:
                break
            time.sleep(2**attempt)
        r.raise_for_status()
        echo(f"PATCH /identity/conditionalAccess/policies/{policy_id}  state: disabled   ({policy_name!r})")
        r = http.delete(f"/groups/{group_id}")
        r.raise_for_status()
        echo(f"DELETE /groups/{group_id}   ({group_name!r}, a Microsoft 365 group)")
    return policy_name, group_name


def set_clock(graph_url: str, when: str) -> None:
    """Stop the emulator's clock at ``when`` (ISO 8601): the demo's story keeps one calendar (the emulator's
    control plane, ``POST /_emulator/clock``), so deleted-items dates and backup tags agree."""
    with httpx.Client(base_url=graph_url, timeout=30) as http:
        http.post("/_emulator/clock", json={"set": when, "frozen": True}).raise_for_status()


def export_demo(out: str | Path, *, progress: Progress | None = None, durable: bool = True) -> ExportResult:
    """Export the demo tenant (an in-process emulator) into ``out``."""
    from entragit.emulator import Emulator
    from entragit.graph import GraphClient

    async def go() -> ExportResult:
        async with GraphClient.for_emulator(Emulator(seed="demo")) as client:
            return await export_tree_async(client, out, progress=progress, durable=durable)

    return asyncio.run(go())


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m entragit.demo export DIR``: export the demo tenant (in-process emulator) into DIR,
    e.g. to refresh the project's own ``tenant-state/``."""
    parser = argparse.ArgumentParser(prog="python -m entragit.demo", description=main.__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="export the demo tenant into DIR")
    export.add_argument("out", type=Path, metavar="DIR", help="the tree to write")
    args = parser.parse_args(argv)
    print(export_demo(args.out, progress=Progress.for_terminal()).summary())


if __name__ == "__main__":
    main()
