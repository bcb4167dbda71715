"""The emulator is an independent oracle: it imports nothing of the client it judges, and its schema comes from
the copy of Graph's metadata inside the package.

- statically, no module of ``entragit/emulator`` imports an ``entragit`` module outside ``entragit.emulator``
  (a checker that is shown to catch an injected import of a client declaration);
- at run time, serving the demo tenant loads no client module (a fresh interpreter's ``sys.modules``);
- the metadata is read from the package, never from ``../shared``.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "entragit" / "emulator"


def client_imports(source: str, module: str) -> list[str]:
    """The ``entragit`` modules outside ``entragit.emulator`` that ``source`` (the module ``module``) imports,
    at any depth (function bodies and ``TYPE_CHECKING`` blocks included)."""
    found = []
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the package
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names = [base]
        for name in names:
            if (name == "entragit" or name.startswith("entragit.")) and not (
                    name == "entragit.emulator" or name.startswith("entragit.emulator.")):
                found.append(f"{module}:{node.lineno}: {name}")
    return found


def emulator_modules() -> list[tuple[str, Path]]:
    return [(".".join(("entragit", *path.relative_to(ROOT / "entragit").with_suffix("").parts))
             .removesuffix(".__init__"), path) for path in sorted(PACKAGE.rglob("*.py"))]


def test_no_emulator_module_imports_the_client_side() -> None:
    found = [hit for module, path in emulator_modules()
             for hit in client_imports(path.read_text(encoding="utf-8"), module)]
    assert not found, "the emulator imports client modules:\n" + "\n".join(found)


def test_the_checker_catches_an_injected_read_of_a_client_declaration() -> None:
    # the same check on a module of the emulator with one injected line that reads a declaration
    backend = PACKAGE / "backend" / "writes.py"
    source = backend.read_text(encoding="utf-8")
    assert client_imports(source, "entragit.emulator.backend.writes") == []
    for injected in ("from entragit.resources import REGISTRY\n",
                     "import entragit.resources.users as users\n",
                     "from ...resources.groups import TYPE\n",
                     "def f():\n    from entragit.errors import UsageError\n"):
        hits = client_imports(source + injected, "entragit.emulator.backend.writes")
        assert len(hits) == 1 and ("resources" in hits[0] or "errors" in hits[0]), injected


def test_serving_the_demo_tenant_loads_no_client_module() -> None:
    script = """
import asyncio, json, sys
import httpx
from entragit.emulator import Emulator

async def main():
    emu = Emulator(seed="demo")
    async with httpx.AsyncClient(transport=emu.transport(), base_url=emu.url) as client:
        for path in ("/v1.0/users?$select=id,displayName", "/v1.0/groups", "/v1.0/identity/conditionalAccess/policies",
                     "/v1.0/policies/authenticationMethodsPolicy", "/v1.0/applications/delta"):
            assert (await client.get(path)).status_code == 200, path
        created = await client.post("/v1.0/groups", json={"displayName": "x", "mailEnabled": False,
                                                          "mailNickname": "x", "securityEnabled": True})
        assert created.status_code == 201, created.text
        assert (await client.get("/v1.0/users", params={"$top": "1000"})).status_code == 400

asyncio.run(main())
print(json.dumps(sorted(m for m in sys.modules if m.startswith("entragit"))))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.splitlines()[-1])
    client = [m for m in loaded if m != "entragit" and not m.startswith("entragit.emulator")]
    assert "entragit.emulator.metadata" in loaded and client == []


def test_the_metadata_comes_from_the_package() -> None:
    from entragit.emulator import metadata

    source = (PACKAGE / "metadata" / "__init__.py").read_text(encoding="utf-8")
    assert "shared" not in source and "reference" not in source
    m = metadata.model()
    assert m is metadata.model()  # parsed once per process
    user = m.require("#microsoft.graph.user")
    assert user.properties["accountEnabled"].type == "Edm.Boolean" and user.open
    assert m.require("graph.conditionalAccessExternalTenants").abstract
    assert m.enum("microsoft.graph.conditionalAccessGrantControl").evolvable == {"riskRemediation"}
    assert "systemCredentialPreferences" not in m.require("microsoft.graph.authenticationMethodsPolicy").properties
