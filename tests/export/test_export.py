"""export_tree against the in-process demo emulator through the real Graph client: every type, every link,
canonical and valid files, extension attributes, exclusions, the cheaper read shapes and their limits."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from entragit import resources
from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_FACTS
from entragit.export import ExportResult, Progress, export_tree
from entragit.graph import GraphClient, run
from entragit.resources.base import META_KEY, ResourceType
from entragit.state.normalization import normalize
from entragit.state.tree import file_name, read_tree
from entragit.state.validate import validate_tree
from entragit.state.yamlio import load_yaml
from tests.export.helpers import folder_files, truth

ALL = resources.all_types()


def _export(graph: GraphClient, out: Path, **kw: Any) -> ExportResult:
    return export_tree(graph, out, durable=False, **kw)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Emulator, Path, ExportResult]:
    """One export of the demo tenant shared by the tests that only read it."""
    emu = Emulator(seed="demo")
    client = GraphClient.for_emulator(emu)
    out = tmp_path_factory.mktemp("demo") / "tenant-state"
    try:
        return emu, out, _export(client, out)
    finally:
        run(client.aclose())


@pytest.fixture
def exported(demo: tuple[Emulator, Path, ExportResult]) -> tuple[Path, ExportResult]:
    return demo[1], demo[2]


@pytest.fixture
def tenant_emulator(demo: tuple[Emulator, Path, ExportResult]) -> Emulator:
    return demo[0]


def _expected(rt: ResourceType, obj: dict[str, Any], selected: set[str]) -> dict[str, Any]:
    """What the stored object must hold for the emulator's object: its normalized form, restricted to what
    a listing can return (declared $select-able properties, unknown ones, extension attributes, links)."""
    stored = normalize(rt, obj)
    hidden = {p.name for p in rt.props if not p.select}
    return {k: v for k, v in stored.items() if k not in hidden and (not selected or k in selected
                                                                   or k in rt.link_names or k == META_KEY
                                                                   or k == "@odata.type")}


def test_every_type_is_exported_and_every_file_validates(exported: tuple[Path, ExportResult],
                                                         tenant_emulator: Emulator) -> None:
    out, result = exported
    tenant = truth(tenant_emulator)
    assert [p.name for p in sorted(out.iterdir())] == sorted(rt.key for rt in ALL)
    for rt in ALL:
        assert result.counts[rt.key] == len(tenant[rt.key]) > 0, rt.key
        assert folder_files(out, rt) == sorted(file_name(rt, i) for i in tenant[rt.key]), rt.key
    assert validate_tree(out) == []
    assert result.tenant_id == DEMO_FACTS.tenant_id
    assert result.files_changed == len(result.write.added) == sum(result.counts.values())


@pytest.mark.parametrize("rt", [rt for rt in ALL if rt.singleton], ids=lambda rt: rt.key)
def test_singletons_are_named_after_their_type(exported: tuple[Path, ExportResult], rt: ResourceType) -> None:
    out, _ = exported
    assert folder_files(out, rt) == [f"{rt.key}.yaml"]
    assert load_yaml(out / rt.key / f"{rt.key}.yaml")["id"]


@pytest.mark.parametrize("rt", ALL, ids=lambda rt: rt.key)
def test_stored_objects_equal_the_tenant_with_links(exported: tuple[Path, ExportResult],
                                                    tenant_emulator: Emulator, rt: ResourceType) -> None:
    """Each file holds exactly the emulator's object (normalized) with every link attached."""
    out, result = exported
    tenant = truth(tenant_emulator)[rt.key]
    stored = read_tree(out, [rt])[rt.key]
    selected = set(rt.select) | set(result.extension_attributes.get(rt.key, ()))
    for obj_id, obj in tenant.items():
        expected = _expected(rt, obj, selected)
        got = stored[obj_id]
        for link in rt.links:
            assert link.name in got, f"{rt.key}/{obj_id}: link {link.name} missing"
        extra = set(got) - set(expected)
        # properties $select-ed that this object lacks come back as null
        assert all(got[k] is None for k in extra), (rt.key, obj_id, extra)
        assert {k: v for k, v in got.items() if k not in extra} == expected, (rt.key, obj_id)


def test_service_principal_members_and_nested_groups_are_exported(exported: tuple[Path, ExportResult]) -> None:
    out, _ = exported
    groups = read_tree(out, ["groups"])["groups"]
    sp_ids = DEMO_FACTS.service_principal_ids
    members = groups[DEMO_FACTS.group_ids[DEMO_FACTS.sp_member_group]]["members"]
    assert sp_ids[DEMO_FACTS.sp_member_apps[0]] in members  # v1.0 omits these: read from beta
    assert sp_ids[DEMO_FACTS.managed_identity] in members
    parent, child = DEMO_FACTS.nested_group
    assert DEMO_FACTS.group_ids[child] in groups[DEMO_FACTS.group_ids[parent]]["members"]


def test_manager_is_an_id_or_null(exported: tuple[Path, ExportResult]) -> None:
    out, _ = exported
    users = read_tree(out, ["users"])["users"]
    managers = {u["manager"] for u in users.values()}
    assert None in managers and len(managers) > 2
    assert all(m is None or m in users for m in managers)


def test_directory_extension_attributes_are_discovered_and_exported(exported: tuple[Path, ExportResult]) -> None:
    out, result = exported
    name = DEMO_FACTS.extension_attribute
    assert result.extension_attributes == {"users": (name,)}
    users = read_tree(out, ["users"])["users"]
    values = {u.get(name) for u in users.values()}
    assert all(name in u for u in users.values())
    assert values - {None}, "no user carries the extension attribute"


def test_synced_objects_are_marked_and_no_secret_is_written(exported: tuple[Path, ExportResult]) -> None:
    out, _ = exported
    users = read_tree(out, ["users"])["users"]
    synced = {DEMO_FACTS.user_ids[upn] for upn in DEMO_FACTS.synced_user_upns}
    marked = {i for i, u in users.items() if u.get(META_KEY, {}).get("onPremisesMastered")}
    assert marked == synced
    for path in out.rglob("*.yaml"):
        text = path.read_text()
        assert "secretText" not in text and "passwordProfile" not in text, path


def test_objects_never_written_are_exported_and_marked(exported: tuple[Path, ExportResult]) -> None:
    """Built-in strengths, Microsoft first-party service principals, managed identities and Exchange-managed
    groups are exported and marked; the assignments granted on Microsoft Graph stay configuration."""
    out, _ = exported
    tree = read_tree(out)
    marked = {(key, i) for key, objs in tree.items() for i, o in objs.items() if o.get(META_KEY, {}).get("neverWritten")}
    strengths = {("authenticationStrengthPolicies", f"00000000-0000-0000-0000-00000000000{n}") for n in (2, 3, 4)}
    assert strengths <= marked
    assert ("servicePrincipals", DEMO_FACTS.graph_sp_id) in marked
    assert ("servicePrincipals", DEMO_FACTS.service_principal_ids[DEMO_FACTS.managed_identity]) in marked
    assert {("groups", DEMO_FACTS.group_ids[g]) for g in (DEMO_FACTS.mail_enabled_security_group,
                                                          DEMO_FACTS.distribution_group)} <= marked
    own = DEMO_FACTS.service_principal_ids[DEMO_FACTS.applications[0]]
    assert ("servicePrincipals", own) not in marked and ("users", DEMO_FACTS.break_glass_id) not in marked
    graph_sp = tree["servicePrincipals"][DEMO_FACTS.graph_sp_id]
    assert graph_sp["appRoleAssignedTo"], "application permissions granted on Microsoft Graph are exported"
    assert all(set(a) >= {"principalId", "appRoleId", "resourceId"} for a in graph_sp["appRoleAssignedTo"])


def test_each_assignment_and_grant_is_stored_once_as_an_object(demo: tuple[Emulator, Path, ExportResult]) -> None:
    emu, out, _ = demo
    state = emu.backend.state()
    sps = read_tree(out, ["servicePrincipals"])["servicePrincipals"]
    for link, seed_key, owner_field, fields in (
            ("appRoleAssignedTo", "appRoleAssignments", "resourceId", {"principalId", "appRoleId", "resourceId"}),
            ("oauth2PermissionGrants", "oauth2PermissionGrants", "clientId",
             {"clientId", "resourceId", "consentType", "principalId", "scope"})):
        stored = [(sp_id, e) for sp_id, sp in sps.items() for e in sp[link]]
        assert sorted(e["id"] for _, e in stored) == sorted(e["id"] for e in state[seed_key])  # once each
        assert all(e[owner_field] == sp_id and fields <= set(e) for sp_id, e in stored), link


class _InFlight:
    """ASGI wrapper counting requests in flight, overall and on the paths of serialized types."""

    def __init__(self, app: Any, serialized: tuple[str, ...]) -> None:
        self.app, self.serialized = app, serialized
        self.now = self.most = self.now_serial = self.most_serial = self.serial_requests = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        serial = scope["type"] == "http" and any(p in scope["path"] for p in self.serialized)
        self.now += 1
        self.now_serial += serial
        self.serial_requests += serial
        self.most, self.most_serial = max(self.most, self.now), max(self.most_serial, self.now_serial)
        try:
            await self.app(scope, receive, send)
        finally:
            self.now -= 1
            self.now_serial -= serial


def test_conditional_access_and_named_location_reads_never_overlap(tmp_path: Path) -> None:
    """Graph allows 1 request/s per tenant on CA policies and named locations (429 without Retry-After):
    the declarations mark them serialized and the export sends their requests one at a time, while the
    other types' reads run concurrently."""
    import httpx

    serialized = tuple(rt.collection for rt in ALL if rt.serialized)
    assert set(serialized) == {"identity/conditionalAccess/policies", "identity/conditionalAccess/namedLocations"}
    emu = Emulator(seed="demo", latency_ms=20)
    counter = _InFlight(emu.app, serialized)
    client = GraphClient("http://testserver", transport=httpx.ASGITransport(app=counter), concurrency=8)
    try:
        _export(client, tmp_path / "tenant-state")
    finally:
        run(client.aclose())
    assert counter.serial_requests >= 2 and counter.most_serial == 1
    assert counter.most > 1  # the rest of the export is concurrent


def test_listings_carry_select_top_and_one_expand(emulator: Emulator, graph: GraphClient, tmp_path: Path) -> None:
    """Links with a cheaper shape are not read per object: manager and owners ride on the listings, OAuth2
    grants come from one tenant-wide listing; members are read once per group (the model's F1)."""
    _export(graph, tmp_path / "t")
    log = emulator.counters.requests()
    patterns = [(r["method"], r["pattern"]) for r in log]
    assert ("GET", "users/{id}/manager") not in patterns
    assert ("GET", "groups/{id}/owners") not in patterns
    assert ("GET", "servicePrincipals/{id}/owners") not in patterns
    assert patterns.count(("GET", "oauth2PermissionGrants")) == 1
    assert patterns.count(("GET", "groups/{id}/members")) == DEMO_FACTS.group_count
    users = next(r for r in log if r["pattern"] == "users")
    assert "$top=999" in users["query"] and "$expand=manager" in users["query"]
    assert DEMO_FACTS.extension_attribute in users["query"]
    assert all(r["path"].startswith("groups/") for r in log if r["pattern"] == "groups/{id}/members")


def test_an_expand_cut_at_its_cap_is_read_in_full(emulator: Emulator, graph: GraphClient, tmp_path: Path) -> None:
    """Graph returns at most 20 elements of an expanded collection: a group with 25 owners is re-read."""
    group = DEMO_FACTS.group_ids["Engineering"]
    owners = sorted(DEMO_FACTS.user_ids.values())[:25]
    for uid in owners:
        run(graph.post(f"groups/{group}/owners/$ref",
                       {"@odata.id": f"{graph.root}/v1.0/directoryObjects/{uid}"}))
    out = tmp_path / "t"
    _export(graph, out)
    stored = load_yaml(out / "groups" / f"{group}.yaml")["owners"]
    assert set(owners) <= set(stored) and len(stored) >= 25
    reads = [r for r in emulator.counters.requests() if r["pattern"] == "groups/{id}/owners"]
    assert [r["path"] for r in reads] == [f"groups/{group}/owners"]


def test_type_selection_and_exclusions(emulator: Emulator, graph: GraphClient, tmp_path: Path) -> None:
    out = tmp_path / "t"
    result = _export(graph, out, types=["users", "namedLocations"],
                     exclude={"users": ("mobilePhone", "employeeOrgData.costCenter"), "namedLocations": ("*",)})
    assert sorted(p.name for p in out.iterdir()) == ["users"]
    assert list(result.counts) == ["users"]
    users = read_tree(out, ["users"])["users"]
    assert all("mobilePhone" not in u for u in users.values())
    assert all("costCenter" not in (u.get("employeeOrgData") or {}) for u in users.values())
    assert any((u.get("employeeOrgData") or {}).get("division") for u in users.values())
    query = next(r for r in emulator.counters.requests() if r["pattern"] == "users")["query"]
    assert "mobilePhone" not in query  # an excluded property is not even read
    assert validate_tree(out) == []


def test_a_type_excluded_as_a_whole_keeps_its_folder(emulator: Emulator, graph: GraphClient,
                                                    tmp_path: Path) -> None:
    out = tmp_path / "t"
    _export(graph, out)
    before = sorted((out / "users").iterdir())
    result = _export(graph, out, exclude={"users": ("*",)})
    assert "users" not in result.counts
    assert sorted((out / "users").iterdir()) == before


def test_progress_is_drawn_on_a_terminal_only(graph: GraphClient, tmp_path: Path) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    shown = Tty()
    progress = Progress.for_terminal(shown, env={})
    _export(graph, tmp_path / "a", progress=progress)
    text = shown.getvalue()
    assert "\x1b[F" in text  # redrawn in place
    for rt in ALL:
        assert rt.key in text
    assert "requests" in text and "RU" in text
    quiet = Tty()
    assert not Progress.for_terminal(quiet, env={"CI": "true"}).enabled
    assert not Progress.for_terminal(io.StringIO(), env={}).enabled


def test_summary_names_types_files_requests_and_resource_units(exported: tuple[Path, ExportResult]) -> None:
    out, result = exported
    lines = result.summary().splitlines()
    assert lines[0].split() == ["type", "objects", "added", "changed", "removed"]
    rows = {line.split()[0]: [int(n.replace(",", "")) for n in line.split()[1:]] for line in lines[1:-1]}
    files = {rt.key: len(list((out / rt.key).glob("*.yaml"))) for rt in ALL}
    for rt in ALL:  # a first export: every file added
        assert rows[rt.key] == [result.counts[rt.key], files[rt.key], 0, 0], rt.key
    assert rows["total"] == [result.objects, sum(files.values()), 0, 0]
    assert result.requests > 0 and result.resource_units > 0
    assert result.graph_requests >= result.requests  # a $batch counts as the requests it carries
    assert lines[-1] == (f"{sum(files.values()):,} files changed in {out}; full export: "
                         f"{result.graph_requests:,} Graph requests, {result.resource_units:,.0f} resource units, "
                         f"{result.seconds:.1f} s")
    assert result.to_dict()["objects"] == result.counts


def test_summary_of_an_unchanged_export_says_no_files_changed(graph: GraphClient, tmp_path: Path) -> None:
    _export(graph, tmp_path / "t")
    again = _export(graph, tmp_path / "t")
    assert again.files_changed == 0 and again.summary().splitlines()[-1].startswith("no files changed in ")


def test_extension_fallback_reads_the_definitions_of_the_tenants_applications(graph: GraphClient) -> None:
    """When getAvailableExtensionProperties answers empty (Learn: tenants over 1,000 service principals), the
    definitions come from the applications listing with $expand=extensionProperties."""
    from entragit.export.reader import _Exporter

    exporter = _Exporter(graph, ALL, None)
    found = run(exporter._own_extension_definitions())
    assert [d["name"] for d in found] == [DEMO_FACTS.extension_attribute]
    assert found[0]["targetObjects"] == ["User"] and not exporter.notes


def test_an_excluded_extension_attribute_is_not_read(emulator: Emulator, graph: GraphClient,
                                                     tmp_path: Path) -> None:
    result = _export(graph, tmp_path / "t", types=["users"], exclude={"users": (DEMO_FACTS.extension_attribute,)})
    assert result.extension_attributes == {}
    query = next(r for r in emulator.counters.requests() if r["pattern"] == "users")["query"]
    assert DEMO_FACTS.extension_attribute not in query
