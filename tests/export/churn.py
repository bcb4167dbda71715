"""Seeded random tenant churn through Graph writes: what an administrator (and Entra Connect) do between two
nightly backups. Used by the incremental-export series test and by bench/nightly.py.

:class:`Churn` reads the live tenant (ids only), then applies ``changes`` operations drawn with fixed weights:
creates, updates, soft deletes, restores from deleted items, hard deletes (delete + purge), membership
changes (one per operation, and *large* ones: hundreds of members added to or removed from one group, which
Graph's group delta delivers split over several pages), owner changes on groups, applications and service
principals, manager changes, app role assignments, OAuth2 grants, federated credentials, and changes that
touch synced objects (their cloud links: memberships and app role assignments; their cloud-mastered
properties), and devices as group members (a kind entragit manages no type of: kept with its kind). Every write goes through :class:`entragit.graph.GraphClient`, independent writes in ``$batch``
requests of 20. A write Graph refuses (a race the random choice made, e.g. removing a member twice) is
counted in ``refused`` and otherwise ignored: the tests compare exports of whatever the tenant became.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from entragit.graph import GraphClient

DEFAULT_WEIGHTS: dict[str, int] = {
    "create_user": 8, "update_user": 20, "soft_delete_user": 5, "restore": 5, "hard_delete": 3,
    "create_group": 4, "update_group": 8, "soft_delete_group": 2,
    "add_member": 25, "remove_member": 15, "large_member_change": 1,
    "add_owner": 6, "remove_owner": 4, "set_manager": 8, "remove_manager": 3,
    "create_app": 3, "update_app": 5, "soft_delete_app": 1, "update_sp": 4, "add_fic": 2, "remove_fic": 1,
    "add_assignment": 5, "remove_assignment": 3, "add_grant": 2, "update_grant": 2, "remove_grant": 1,
    "synced_member": 4, "synced_cloud_property": 3, "device_member": 3, "delete_device": 1,
}

_FIRST_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_-'!#^~"


@dataclass
class Live:
    """Ids of the live tenant, read at the start of a nightly."""

    users: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    applications: list[dict[str, Any]] = field(default_factory=list)
    service_principals: list[dict[str, Any]] = field(default_factory=list)
    grants: list[dict[str, Any]] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)

    def cloud_users(self) -> list[dict[str, Any]]:
        return [u for u in self.users if not u.get("onPremisesSyncEnabled")]

    def synced_users(self) -> list[dict[str, Any]]:
        return [u for u in self.users if u.get("onPremisesSyncEnabled")]

    def writable_groups(self) -> list[dict[str, Any]]:
        """Cloud security groups with assigned membership (other kinds refuse some member writes)."""
        return [g for g in self.groups if not g.get("onPremisesSyncEnabled") and not g.get("mailEnabled")
                and "DynamicMembership" not in (g.get("groupTypes") or []) and g.get("securityEnabled")
                and not g.get("isAssignableToRole")]


class Churn:
    """Random changes to the tenant behind ``client``; deterministic for a given ``seed`` and tenant."""

    def __init__(self, client: GraphClient, seed: int = 0, *, domain: str | None = None,
                 weights: dict[str, int] | None = None, large: int = 520) -> None:
        self.client = client
        self.rng = random.Random(seed)
        self.domain = domain
        self.weights = dict(weights or DEFAULT_WEIGHTS)
        self.large = large                   # members added or removed by one large member change
        self.deleted: dict[str, str] = {}    # soft-deleted id -> type key (restore candidates)
        self.counts: Counter[str] = Counter()
        self.refused = 0
        self.serial = 0
        self.base = client.url("").rstrip("/")

    # -- reading the tenant ---------------------------------------------------------------------------------
    async def live(self) -> Live:
        c = self.client
        users = await c.list_all("users", {"$select": "id,userPrincipalName,onPremisesSyncEnabled", "$top": 999})
        groups = await c.list_all("groups", {"$select": "id,groupTypes,mailEnabled,securityEnabled,"
                                                        "onPremisesSyncEnabled,isAssignableToRole", "$top": 999})
        apps = await c.list_all("applications", {"$select": "id,appId", "$top": 999})
        sps = await c.list_all("servicePrincipals", {"$select": "id,appId,appRoles,servicePrincipalType",
                                                     "$top": 999})
        grants = await c.list_all("oauth2PermissionGrants")
        devices = await c.list_all("devices", {"$select": "id"})
        if self.domain is None:
            org = (await c.get("organization", {"$select": "verifiedDomains"})).get("value") or [{}]
            domains = org[0].get("verifiedDomains") or []
            self.domain = next((d["name"] for d in domains if d.get("isDefault")), domains[0]["name"])
        return Live(users, groups, apps, sps, grants, devices)

    # -- one nightly ------------------------------------------------------------------------------------------
    async def nightly(self, changes: int) -> Counter[str]:
        """Apply ``changes`` random operations; returns the operations done this nightly."""
        live = await self.live()
        done: Counter[str] = Counter()
        ops, weights = zip(*self.weights.items(), strict=True)
        pending: list[dict[str, Any]] = []
        for name in self.rng.choices(ops, weights=weights, k=changes):
            op: Callable[[Live], Any] = getattr(self, f"_{name}")
            requests = await op(live)
            if requests is None:
                continue
            done[name] += 1
            pending.extend(requests)
            if len(pending) >= 20:
                await self._flush(pending)
                pending = []
        await self._flush(pending)
        self.counts.update(done)
        return done

    async def _flush(self, requests: list[dict[str, Any]]) -> None:
        for start in range(0, len(requests), 20):
            answers = await self.client.batch(requests[start:start + 20])
            self.refused += sum(1 for a in answers if int(a.get("status") or 0) >= 400)

    async def _now(self, method: str, url: str, body: Any = None) -> dict[str, Any] | None:
        """A write whose answer the next operation needs (creates); None when Graph refused it."""
        answer = (await self.client.batch([{"method": method, "url": url, **({"body": body} if body else {})}]))[0]
        if int(answer.get("status") or 0) >= 400:
            self.refused += 1
            return None
        return answer.get("body") or {}

    # -- helpers ---------------------------------------------------------------------------------------------
    def _pick(self, items: list[dict[str, Any]]) -> dict[str, Any] | None:
        return self.rng.choice(items) if items else None

    def _ref(self, obj_id: str) -> dict[str, str]:
        return {"@odata.id": f"{self.base}/directoryObjects/{obj_id}"}

    def _name(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial:05d}{self.rng.randrange(10**6):06d}"

    @staticmethod
    def _req(method: str, url: str, body: Any = None) -> dict[str, Any]:
        return {"method": method, "url": url, **({"body": body} if body is not None else {})}

    # -- users -------------------------------------------------------------------------------------------------
    async def _create_user(self, live: Live) -> list[dict[str, Any]] | None:
        alias = self.rng.choice(_FIRST_CHARS) + self._name("u")
        guest = self.rng.random() < 0.2
        upn = f"{alias}_fabrikam.com#EXT#@{self.domain}" if guest else f"{alias}@{self.domain}"
        body = {"accountEnabled": True, "displayName": f"Churn {alias}", "mailNickname": alias.replace("#", ""),
                "userPrincipalName": upn, "passwordProfile": {"password": "Pa55w.rd!" + uuid.uuid4().hex},
                "jobTitle": self.rng.choice(["Analyst", "Engineer", None]),
                **({"userType": "Guest"} if guest else {})}
        created = await self._now("POST", "users", body)
        if created and created.get("id"):
            live.users.append({"id": created["id"], "userPrincipalName": upn})
        return [] if created else None

    async def _update_user(self, live: Live) -> list[dict[str, Any]] | None:
        user = self._pick(live.cloud_users())
        if user is None:
            return None
        prop, value = self.rng.choice([("jobTitle", self._name("Title ")), ("department", self._name("Dept ")),
                                       ("officeLocation", None), ("displayName", self._name("Renamed ")),
                                       ("mobilePhone", f"+1 555 {self.rng.randrange(10**7):07d}")])
        return [self._req("PATCH", f"users/{user['id']}", {prop: value})]

    async def _soft_delete_user(self, live: Live) -> list[dict[str, Any]] | None:
        user = self._pick(live.cloud_users())
        if user is None or len(live.users) < 5:
            return None
        live.users.remove(user)
        self.deleted[user["id"]] = "users"
        return [self._req("DELETE", f"users/{user['id']}")]

    async def _restore(self, live: Live) -> list[dict[str, Any]] | None:
        if not self.deleted:
            return None
        obj_id = self.rng.choice(sorted(self.deleted))
        del self.deleted[obj_id]
        return [self._req("POST", f"directory/deletedItems/{obj_id}/restore", {})]

    async def _hard_delete(self, live: Live) -> list[dict[str, Any]] | None:
        user = self._pick(live.cloud_users())
        if user is None or len(live.users) < 5:
            return None
        live.users.remove(user)
        if await self._now("DELETE", f"users/{user['id']}") is None:
            return None
        return [self._req("DELETE", f"directory/deletedItems/{user['id']}")]

    async def _set_manager(self, live: Live) -> list[dict[str, Any]] | None:
        users = live.cloud_users()
        if len(users) < 2:
            return None
        user, boss = self.rng.sample(users, 2)
        return [self._req("PUT", f"users/{user['id']}/manager/$ref", {"@odata.id": f"{self.base}/users/{boss['id']}"})]

    async def _remove_manager(self, live: Live) -> list[dict[str, Any]] | None:
        user = self._pick(live.cloud_users())
        return None if user is None else [self._req("DELETE", f"users/{user['id']}/manager/$ref")]

    # -- groups ------------------------------------------------------------------------------------------------
    async def _create_group(self, live: Live) -> list[dict[str, Any]] | None:
        nick = self._name("grp")
        owner = self._pick(live.cloud_users())
        body: dict[str, Any] = {"displayName": f"Churn group {nick}", "mailEnabled": False, "mailNickname": nick,
                                "securityEnabled": True, "description": "made by the churn"}
        if owner is not None:
            body["owners@odata.bind"] = [f"{self.base}/users/{owner['id']}"]
        created = await self._now("POST", "groups", body)
        if created and created.get("id"):
            live.groups.append({"id": created["id"], "securityEnabled": True, "mailEnabled": False,
                                "groupTypes": []})
        return [] if created else None

    async def _update_group(self, live: Live) -> list[dict[str, Any]] | None:
        group = self._pick(live.writable_groups())
        return None if group is None else [
            self._req("PATCH", f"groups/{group['id']}", {"description": self._name("Described ")})]

    async def _soft_delete_group(self, live: Live) -> list[dict[str, Any]] | None:
        groups = live.writable_groups()
        if len(groups) < 5:
            return None
        group = self.rng.choice(groups)
        live.groups.remove(group)
        self.deleted[group["id"]] = "groups"
        return [self._req("DELETE", f"groups/{group['id']}")]

    async def _add_member(self, live: Live) -> list[dict[str, Any]] | None:
        group = self._pick(live.writable_groups())
        member = self._pick(live.users + [s for s in live.service_principals
                                          if s.get("servicePrincipalType") == "Application"][:5])
        if group is None or member is None:
            return None
        return [self._req("POST", f"groups/{group['id']}/members/$ref", self._ref(member["id"]))]

    async def _remove_member(self, live: Live) -> list[dict[str, Any]] | None:
        group = self._pick(live.writable_groups())
        if group is None:
            return None
        members = await self.client.list_all(f"groups/{group['id']}/members", {"$select": "id"}, version="beta")
        member = self._pick(members)
        return None if member is None else [self._req("DELETE", f"groups/{group['id']}/members/{member['id']}/$ref")]

    async def _large_member_change(self, live: Live) -> list[dict[str, Any]] | None:
        """Hundreds of members added to (or, when it has that many, removed from) one group."""
        group = self._pick(live.writable_groups())
        if group is None:
            return None
        members = {m["id"] for m in await self.client.list_all(f"groups/{group['id']}/members", {"$select": "id"},
                                                               version="beta")}
        if len(members) >= self.large:
            gone = self.rng.sample(sorted(members), self.large)
            return [self._req("DELETE", f"groups/{group['id']}/members/{m}/$ref") for m in gone]
        candidates = [u["id"] for u in live.users if u["id"] not in members]
        chosen = self.rng.sample(candidates, min(self.large, len(candidates)))
        return [self._req("PATCH", f"groups/{group['id']}",
                          {"members@odata.bind": [f"{self.base}/directoryObjects/{m}" for m in chosen[i:i + 20]]})
                for i in range(0, len(chosen), 20)]

    def _owned(self, live: Live) -> tuple[str, dict[str, Any]] | None:
        kind = self.rng.choice(["groups", "applications", "servicePrincipals"])
        pool = {"groups": live.writable_groups(), "applications": live.applications,
                "servicePrincipals": [s for s in live.service_principals
                                      if s.get("servicePrincipalType") == "Application"]}[kind]
        owner = self._pick(pool)
        return (kind, owner) if owner is not None else None

    async def _add_owner(self, live: Live) -> list[dict[str, Any]] | None:
        target, user = self._owned(live), self._pick(live.cloud_users())
        if target is None or user is None:
            return None
        kind, obj = target
        return [self._req("POST", f"{kind}/{obj['id']}/owners/$ref", self._ref(user["id"]))]

    async def _remove_owner(self, live: Live) -> list[dict[str, Any]] | None:
        target = self._owned(live)
        if target is None:
            return None
        kind, obj = target
        owners = await self.client.list_all(f"{kind}/{obj['id']}/owners", {"$select": "id"})
        owner = self._pick(owners)
        return None if owner is None else [self._req("DELETE", f"{kind}/{obj['id']}/owners/{owner['id']}/$ref")]

    # -- applications and service principals -----------------------------------------------------------------------
    async def _create_app(self, live: Live) -> list[dict[str, Any]] | None:
        name = self._name("App ")
        role = {"id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)), "allowedMemberTypes": ["User",
                "Application"], "value": "Data.Read", "displayName": "Read", "description": "Read",
                "isEnabled": True}
        app = await self._now("POST", "applications", {"displayName": name, "appRoles": [role]})
        if not app or not app.get("appId"):
            return None
        live.applications.append({"id": app["id"], "appId": app["appId"]})
        sp = await self._now("POST", "servicePrincipals", {"appId": app["appId"]})
        if sp and sp.get("id"):
            live.service_principals.append({"id": sp["id"], "appId": app["appId"], "appRoles": [role],
                                            "servicePrincipalType": "Application"})
        return []

    async def _update_app(self, live: Live) -> list[dict[str, Any]] | None:
        app = self._pick(live.applications)
        return None if app is None else [self._req("PATCH", f"applications/{app['id']}", {"notes": self._name("n")})]

    async def _soft_delete_app(self, live: Live) -> list[dict[str, Any]] | None:
        if len(live.applications) < 5:
            return None
        app = self.rng.choice(live.applications)
        live.applications.remove(app)
        live.service_principals = [s for s in live.service_principals if s.get("appId") != app.get("appId")]
        self.deleted[app["id"]] = "applications"
        return [self._req("DELETE", f"applications/{app['id']}")]

    async def _update_sp(self, live: Live) -> list[dict[str, Any]] | None:
        sp = self._pick([s for s in live.service_principals if s.get("servicePrincipalType") == "Application"])
        return None if sp is None else [self._req("PATCH", f"servicePrincipals/{sp['id']}",
                                                  {"notes": self._name("sp notes ")})]

    async def _add_fic(self, live: Live) -> list[dict[str, Any]] | None:
        app = self._pick(live.applications)
        if app is None:
            return None
        name = self._name("fic-")
        return [self._req("POST", f"applications/{app['id']}/federatedIdentityCredentials", {
            "name": name, "issuer": "https://token.actions.githubusercontent.com",
            "subject": f"repo:contoso/{name}:ref:refs/heads/main", "audiences": ["api://AzureADTokenExchange"]})]

    async def _remove_fic(self, live: Live) -> list[dict[str, Any]] | None:
        app = self._pick(live.applications)
        if app is None:
            return None
        fics = await self.client.list_all(f"applications/{app['id']}/federatedIdentityCredentials")
        fic = self._pick(fics)
        return None if fic is None else [
            self._req("DELETE", f"applications/{app['id']}/federatedIdentityCredentials/{fic['id']}")]

    def _resources(self, live: Live) -> list[dict[str, Any]]:
        return [s for s in live.service_principals if s.get("appRoles")]

    async def _add_assignment(self, live: Live, principals: list[dict[str, Any]] | None = None
                              ) -> list[dict[str, Any]] | None:
        resource = self._pick(self._resources(live))
        principal = self._pick(principals if principals is not None else live.cloud_users() + live.writable_groups())
        if resource is None or principal is None:
            return None
        role = self.rng.choice(resource["appRoles"])
        return [self._req("POST", f"servicePrincipals/{resource['id']}/appRoleAssignedTo",
                          {"principalId": principal["id"], "resourceId": resource["id"], "appRoleId": role["id"]})]

    async def _remove_assignment(self, live: Live) -> list[dict[str, Any]] | None:
        resource = self._pick(self._resources(live))
        if resource is None:
            return None
        assignments = await self.client.list_all(f"servicePrincipals/{resource['id']}/appRoleAssignedTo")
        assignment = self._pick(assignments)
        return None if assignment is None else [
            self._req("DELETE", f"servicePrincipals/{resource['id']}/appRoleAssignedTo/{assignment['id']}")]

    async def _add_grant(self, live: Live) -> list[dict[str, Any]] | None:
        apps = [s for s in live.service_principals if s.get("servicePrincipalType") == "Application"]
        if len(apps) < 2:
            return None
        client, resource = self.rng.sample(apps, 2)
        if any(g.get("clientId") == client["id"] and g.get("resourceId") == resource["id"] for g in live.grants):
            return None
        live.grants.append({"clientId": client["id"], "resourceId": resource["id"]})
        return [self._req("POST", "oauth2PermissionGrants", {"clientId": client["id"], "consentType": "AllPrincipals",
                                                             "resourceId": resource["id"], "scope": "Data.Read"})]

    async def _update_grant(self, live: Live) -> list[dict[str, Any]] | None:
        grant = self._pick([g for g in live.grants if g.get("id")])
        return None if grant is None else [self._req("PATCH", f"oauth2PermissionGrants/{grant['id']}",
                                                     {"scope": self.rng.choice(["Data.Read", "Data.Read Data.Write",
                                                                                "User.Read openid"])})]

    async def _remove_grant(self, live: Live) -> list[dict[str, Any]] | None:
        grant = self._pick([g for g in live.grants if g.get("id")])
        if grant is None:
            return None
        live.grants.remove(grant)
        return [self._req("DELETE", f"oauth2PermissionGrants/{grant['id']}")]

    # -- synced objects: only their cloud links and cloud-mastered properties are writable ---------------------------
    async def _synced_member(self, live: Live) -> list[dict[str, Any]] | None:
        user, group = self._pick(live.synced_users()), self._pick(live.writable_groups())
        if user is None or group is None:
            return None
        if self.rng.random() < 0.5:
            return [self._req("POST", f"groups/{group['id']}/members/$ref", self._ref(user["id"]))]
        return await self._add_assignment(live, [user])

    async def _synced_cloud_property(self, live: Live) -> list[dict[str, Any]] | None:
        user = self._pick(live.synced_users())
        return None if user is None else [self._req("PATCH", f"users/{user['id']}", {
            "passwordPolicies": self.rng.choice(["DisablePasswordExpiration", "None"])})]

    # -- members of a kind entragit manages no type of (devices): kept with their kind -------------------------
    async def _device_member(self, live: Live) -> list[dict[str, Any]] | None:
        group = self._pick(live.writable_groups())
        if group is None:
            return None
        device = self._pick(live.devices) if live.devices and self.rng.random() < 0.6 else None
        if device is None:
            name = self._name("Laptop ")
            device = await self._now("POST", "devices", {
                "accountEnabled": True, "alternativeSecurityIds": [{"type": 2, "key": "Y3YxN2E1MWFlYw=="}],
                "deviceId": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)), "displayName": name,
                "operatingSystem": "Windows", "operatingSystemVersion": "10.0"})
            if not device or not device.get("id"):
                return None
            live.devices.append({"id": device["id"]})
        return [self._req("POST", f"groups/{group['id']}/members/$ref", self._ref(device["id"]))]

    async def _delete_device(self, live: Live) -> list[dict[str, Any]] | None:
        device = self._pick(live.devices)
        if device is None:
            return None
        live.devices.remove(device)
        return [self._req("DELETE", f"devices/{device['id']}")]
