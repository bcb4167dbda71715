"""Fixtures of the recovery tests (see :mod:`tests.apply.helpers`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from entragit.emulator import Emulator
from entragit.graph import GraphClient
from tests.apply.helpers import Lab
from tests.plugins.graph import FAST_RETRY


@pytest.fixture
def lab(emulator: Emulator, graph: GraphClient, git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Lab:
    """The demo tenant, a client on it, a tenant repository; the commands' Graph seam points at the emulator."""
    import entragit.graph

    monkeypatch.setattr(entragit.graph, "CLIENT_FACTORY",
                        lambda settings: GraphClient.for_emulator(emulator, retry=FAST_RETRY))
    monkeypatch.delenv("ENTRAGIT_GRAPH_URL", raising=False)
    emulator.replication.configure(requests=2)
    return Lab(emulator, graph, git_repo)
