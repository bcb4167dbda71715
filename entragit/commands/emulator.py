"""``entragit emulator serve``: the Graph-compatible tenant emulator on a local socket."""

from __future__ import annotations

import socket
import sys

import click

from entragit.commands import cli
from entragit.errors import UsageError


@cli.group()
def emulator() -> None:
    """The Graph-compatible tenant emulator (tests, demo, benchmarks)."""


@emulator.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0: any free port; the real one is printed).")
@click.option("--seed", default="demo", show_default=True, metavar="demo|empty|scale[:...]|PATH",
              help="Initial tenant: a seed name or a JSON/YAML seed file.")
@click.option("--latency-ms", default=0.0, type=click.FloatRange(0), help="Added latency per request.")
@click.option("--fault-rate", default=0.0, type=click.FloatRange(0, 1),
              help="Probability that a request answers 503 (Retry-After 1).")
@click.option("--throttle-every", default=0, type=click.IntRange(0),
              help="Every Nth request answers 429 (Retry-After 1).")
@click.option("--random-seed", default=0, type=int, show_default=True,
              help="Seed of every random choice (ids, faults): runs are reproducible.")
@click.option("--quotas/--no-quotas", default=True, show_default=True,
              help="Graph's throttling quotas (resource units, writes, CA 1 request/s).")
@click.option("--permissions", "permissions", default="all", show_default=True, metavar="all|PERM[,PERM...]",
              help="Application permissions granted to the calling app; Graph's 403 without them.")
@click.option("--replication-lag", default="0", show_default=True, metavar="N|Ns",
              help="Eventual consistency: new, restored and deleted objects replicate after N requests (or N "
                   "seconds of emulator time); 0 is off.")
@click.option("--audit-delay", default=0.0, type=click.FloatRange(0), show_default=True,
              help="Seconds (emulator time) before a directory audit entry becomes visible.")
def serve(host: str, port: int, seed: str, latency_ms: float, fault_rate: float, throttle_every: int,
          random_seed: int, quotas: bool, permissions: str, replication_lag: str, audit_delay: float) -> None:
    """Serve Graph under /v1.0 and /beta (control plane under /_emulator) until interrupted.

    The first line on stdout is the root URL, http://HOST:PORT (no version).
    """
    import uvicorn

    from entragit.emulator import Emulator
    from entragit.emulator.errors import EmulatorInputError
    from entragit.emulator.replication import Replication

    try:
        lag = Replication.parse(replication_lag)
        emu = Emulator(seed=seed, random_seed=random_seed, latency_ms=latency_ms, fault_rate=fault_rate,
                       throttle_every=throttle_every, quotas=quotas, permissions=permissions, replication=lag)
        emu.audit.configure(delaySeconds=audit_delay)
    except EmulatorInputError as exc:  # the emulator has its own errors (it imports nothing of the client)
        raise UsageError(str(exc)) from None
    except ValueError as exc:
        raise UsageError(f"--replication-lag: {exc}") from None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets whose proto is IPPROTO_TCP, and
    # accepted connections inherit it; with proto 0 every response stalls ~40 ms (Nagle + delayed ACK)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    click.echo(f"http://{shown}:{bound}")
    sys.stdout.flush()
    emu.app.served = True
    # date_header off: the app sends Date from the emulator clock (tests move it by days)
    config = uvicorn.Config(emu.app, log_level="warning", access_log=False, lifespan="on", http="h11",
                            date_header=False)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
