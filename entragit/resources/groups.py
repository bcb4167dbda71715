"""groups: security, Microsoft 365, mail-enabled security and distribution groups, stored with members
and owners.

Sources (Microsoft Learn, v1.0):
- resource: https://learn.microsoft.com/en-us/graph/api/resources/group?view=graph-rest-1.0 [G1]
- list (100/999): https://learn.microsoft.com/en-us/graph/api/group-list?view=graph-rest-1.0 [G2]
- create: https://learn.microsoft.com/en-us/graph/api/group-post-groups?view=graph-rest-1.0 [G3]
- update: https://learn.microsoft.com/en-us/graph/api/group-update?view=graph-rest-1.0 [G4]
- delete: https://learn.microsoft.com/en-us/graph/api/group-delete?view=graph-rest-1.0 [G5]
- delta: https://learn.microsoft.com/en-us/graph/api/group-delta?view=graph-rest-1.0 [G6]
- members (v1.0 omits service-principal members, a documented known issue; read from beta):
  https://learn.microsoft.com/en-us/graph/api/group-list-members?view=graph-rest-1.0 [G7]
- add/remove member: https://learn.microsoft.com/en-us/graph/api/group-post-members?view=graph-rest-1.0 [G8],
  https://learn.microsoft.com/en-us/graph/api/group-delete-members?view=graph-rest-1.0 [G9]
- add owner: https://learn.microsoft.com/en-us/graph/api/group-post-owners?view=graph-rest-1.0 [G10]
- soft delete by kind: graph-entra.md "Corrections" (message center MC1183299 for cloud security groups)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from entragit.resources._common import (
    BOOL,
    CREATE_ONLY,
    DIRECTORY_RESTORE,
    INT,
    OBJ,
    OBJS,
    PATCH_ALONE,
    RO,
    STR,
    STRS,
    deleted_items,
    props,
)
from entragit.resources.base import EXPAND_MAX, DeleteKind, Link, LinkKind, Prop, ResourceType

_SYNC = "mastered on-premises when onPremisesSyncEnabled"
_EXCHANGE = (
    "Exchange-backed: only on GET /groups/{id} (not in a list $select), written in a PATCH of its own, "
    "delegated permissions only [G3][G4]"
)

# Group kinds (group_kind()). Dynamic membership and synchronization are orthogonal facts (is_dynamic,
# is_synced) that refine what can be written.
MICROSOFT_365 = "microsoft365"
SECURITY = "security"
MAIL_ENABLED_SECURITY = "mailEnabledSecurity"
DISTRIBUTION = "distribution"

PROPS: tuple[Prop, ...] = (
    Prop("id", RO, json_type=STR),
    Prop("deletedDateTime", RO, json_type=STR),
    Prop("createdDateTime", RO, json_type=STR),
    # ---- identity of the group: required on create
    Prop("displayName", json_type=STR, on_premises=True, required_on_create=True, note=_SYNC),
    Prop("mailNickname", json_type=STR, on_premises=True, required_on_create=True, note=_SYNC),
    Prop("mailEnabled", CREATE_ONLY, json_type=BOOL, on_premises=True, required_on_create=True,
         note="required on create; not in the update table [G4], Graph cannot mail-enable a security "
              "group (Exchange does)"),
    Prop("securityEnabled", json_type=BOOL, on_premises=True, required_on_create=True, note="in the update table [G4]"),
    Prop("groupTypes", json_type=STRS, on_premises=True,
         note="'Unified' (Microsoft 365) is fixed at create; 'DynamicMembership' can be added or removed by "
              "PATCH together with membershipRule/membershipRuleProcessingState (Learn: change static "
              "membership to dynamic); not in the v1.0 update table (graph-entra.md §15.5)"),
    Prop("description", json_type=STR, on_premises=True, note=_SYNC),
    # ---- cloud properties written with the object's PATCH
    Prop("membershipRule", json_type=STR, note="dynamic groups only [G1]"),
    Prop("membershipRuleProcessingState", json_type=STR, note="On | Paused [G1]"),
    Prop("visibility", json_type=STR, note="Private | Public | HiddenMembership; HiddenMembership only at create [G1]"),
    *props("classification preferredDataLocation preferredLanguage theme", json_type=STR),
    Prop("assignedLabels", json_type=OBJS, note="sensitivity labels; delegated only; immutable once set for cloud security "
                                "groups [G1][G4]"),
    # ---- create-only
    Prop("isAssignableToRole", CREATE_ONLY, json_type=BOOL,
         note="set at create only, immutable; needs securityEnabled true and no dynamic membership [G1]"),
    Prop("resourceBehaviorOptions", CREATE_ONLY, json_type=STRS, note="Microsoft 365 groups, POST only [G1][G3]"),
    Prop("uniqueName", CREATE_ONLY, json_type=STR, note="alternate key; can be set only while null, then immutable [G1][G4]"),
    # ---- Exchange-backed settings: own PATCH each, not in a collection $select
    *props("allowExternalSenders autoSubscribeNewMembers hideFromAddressLists hideFromOutlookClients",
           json_type=BOOL, channel=PATCH_ALONE, select=False, note=_EXCHANGE),
    # ---- read-only, server-computed
    Prop("mail", RO, json_type=STR, on_premises=True),
    Prop("proxyAddresses", RO, json_type=STRS, on_premises=True),
    Prop("onPremisesExtensionAttributes", RO, json_type=OBJ, on_premises=True,
         note="extensionAttribute1-15 synchronized from on-premises AD [G1]"),
    *props(
        "expirationDateTime renewedDateTime securityIdentifier onPremisesDomainName onPremisesLastSyncDateTime "
        "onPremisesNetBiosName onPremisesSamAccountName onPremisesSecurityIdentifier",
        json_type=STR, channel=RO,
    ),
    *props("assignedLicenses onPremisesProvisioningErrors serviceProvisioningErrors", json_type=OBJS, channel=RO),
    Prop("licenseProcessingState", RO, json_type=OBJ),
    *props("isManagementRestricted onPremisesSyncEnabled", json_type=BOOL, channel=RO),
    Prop("resourceProvisioningOptions", RO, json_type=STRS),
    # ---- per signed-in user or team state: not configuration, not selectable in a list
    *(Prop(name, RO, json_type=kind, select=False,
           note="per signed-in user, team or filter-only state; GET /groups/{id} only [G1]")
      for name, kind in (("accessType", STR), ("isArchived", BOOL), ("isFavorite", BOOL),
                         ("isSubscribedByMail", BOOL), ("unseenCount", INT), ("unseenConversationsCount", INT),
                         ("unseenMessagesCount", INT), ("hasMembersWithLicenseErrors", BOOL))),
    *(Prop(name, RO, json_type=kind, select=False,
           note="in the v1.0 metadata (msgraph-sdk models) but undocumented on Learn")
      for name, kind in (("infoCatalogs", STRS), ("organizationId", STR), ("welcomeMessageEnabled", BOOL))),
)


@dataclass(frozen=True)
class GroupsType(ResourceType):
    """Groups: the group kind decides soft or hard delete and which membership writes Graph accepts."""

    def is_dynamic(self, obj: dict[str, Any]) -> bool:
        return "DynamicMembership" in (obj.get("groupTypes") or [])

    def group_kind(self, obj: dict[str, Any]) -> str:
        """microsoft365 | security | mailEnabledSecurity | distribution (groupTypes, mailEnabled,
        securityEnabled; see the 'groupTypes' table in [G1]).

        A soft-deleted security group reports securityEnabled false (directory-deleteditems-list, known
        limitation), so a group that is neither Unified nor mail-enabled counts as security.
        """
        if "Unified" in (obj.get("groupTypes") or []):
            return MICROSOFT_365
        if obj.get("mailEnabled"):
            return MAIL_ENABLED_SECURITY if obj.get("securityEnabled") else DISTRIBUTION
        return SECURITY

    def delete_kind(self, obj: dict[str, Any]) -> DeleteKind:
        """Microsoft 365 and cloud security groups go to deleted items; synced groups, distribution lists
        and mail-enabled security groups are deleted permanently (graph-entra.md corrections, [G5])."""
        if self.is_synced(obj):
            return DeleteKind.HARD
        if self.group_kind(obj) in (MICROSOFT_365, SECURITY):
            return DeleteKind.SOFT
        return DeleteKind.HARD

    def never_written(self, obj: dict[str, Any]) -> str | None:
        if self.group_kind(obj) in (MAIL_ENABLED_SECURITY, DISTRIBUTION):
            return "mail-enabled security and distribution groups are managed in Exchange"
        return None

    def link_refused(self, obj: dict[str, Any], link: Link) -> str | None:
        kind = self.group_kind(obj)
        if link.name == "members":
            if self.is_dynamic(obj):
                return "dynamic membership: members follow membershipRule"
            if self.is_synced(obj):
                return "membership is mastered on-premises"
        if kind in (MAIL_ENABLED_SECURITY, DISTRIBUTION):
            what = "a distribution group" if kind == DISTRIBUTION else "a mail-enabled security group"
            return f"{link.name} of {what} are managed in Exchange (Graph answers 403)"
        return None

    def member_types_allowed(self, obj: dict[str, Any]) -> tuple[str, ...]:
        """Types a member may have: Microsoft 365 groups accept users only [G8]."""
        members = self.link("members")
        assert members is not None
        return self.link_targets(obj, members)

    def link_targets(self, obj: dict[str, Any], link: Link) -> tuple[str, ...]:
        if link.name == "members" and self.group_kind(obj) == MICROSOFT_365:
            return ("users",)
        return link.targets

    def link_other_kinds(self, obj: dict[str, Any], link: Link) -> tuple[str, ...]:
        if link.name == "members" and self.group_kind(obj) == MICROSOFT_365:
            return ()  # users only [G8]
        return link.other_kinds

    def create_defaults_for(self, body: dict[str, Any]) -> dict[str, Any]:
        defaults = self.create_defaults_map
        if "Unified" in (body.get("groupTypes") or []):
            # Microsoft 365 groups are Public unless created otherwise [G1]
            defaults["visibility"] = "Public"
        return defaults


TYPE = GroupsType(
    key="groups",
    title="group",
    collection="groups",
    odata_type="#microsoft.graph.group",
    display="displayName",
    props=PROPS,
    volatile=frozenset({"onPremisesLastSyncDateTime", "renewedDateTime", "expirationDateTime"}),
    unordered=("groupTypes", "proxyAddresses", "resourceBehaviorOptions", "resourceProvisioningOptions",
               "assignedLabels", "assignedLicenses"),
    links=(
        Link(
            name="members",
            kind=LinkKind.IDS,
            read="groups/{id}/members",
            read_version="beta",
            read_select="id",
            page_max=999,  # default 100, max 999 [G7]
            add="POST groups/{id}/members/$ref",
            remove="DELETE groups/{id}/members/{ref}/$ref",
            targets=("users", "groups", "servicePrincipals"),
            # security groups also take devices and organizational contacts (Microsoft 365 groups users only) [G8]
            other_kinds=("device", "orgContact"),
            v1_hidden_targets=frozenset({"servicePrincipals"}),  # why read_version is beta [G7]
            delta_default=True,  # "members@delta" comes with groups/delta by default [G6]
            delta_select=True,  # and when $select names it [G6]
            note="read from beta: v1.0 GET groups/{id}/members omits service-principal members (documented "
                 "known issue [G7]). Add body {\"@odata.id\": \"{base}/directoryObjects/{ref}\"} [G8]. "
                 "Always remove through /$ref: without it Graph deletes the member object itself [G9]. "
                 "Devices and org contacts can be members too: entragit manages no type of them, so it keeps them "
                 "with their kind (_entragit.linkKinds), puts them back when missing and never removes them; "
                 "adding a device needs Device.ReadWrite.All, a contact OrgContact.Read.All [G8].",
        ),
        Link(
            name="owners",
            kind=LinkKind.IDS,
            read="groups/{id}/owners",
            read_select="id",
            expand="owners($select=id)",  # export: with the groups listing; >= 20 owners re-read
            expand_cap=EXPAND_MAX,
            audit=("Add owner to group", "Remove owner from group"),  # delta does not track owners
            # a restored user or service principal owns again what it owned (user-list-ownedobjects)
            reverse="{collection}/{id}/ownedObjects", reverse_owner="id",
            reverse_for=("users", "servicePrincipals"),
            add="POST groups/{id}/owners/$ref",
            remove="DELETE groups/{id}/owners/{ref}/$ref",
            targets=("users", "servicePrincipals"),
            note="add body {\"@odata.id\": \"{base}/directoryObjects/{ref}\"}; 400 when already an owner [G10]",
        ),
    ),
    delta=True,
    page_default=100,
    page_max=999,
    delete=DeleteKind.SOFT,
    delete_path=deleted_items("group"),
    restore_path=DIRECTORY_RESTORE,
    audit_restore=("Restore group",),  # Core Directory activity (reference-audit-activities)
    order=40,
    extension_attributes=True,
    directory_object=True,
    # "Properties maintained with soft delete": group memberships and application assignments come back with
    # the restore (any kind of group: no exception is documented) [https://learn.microsoft.com/entra/architecture/recover-from-deletions]
    restore_keeps=(("groups.members", "https://learn.microsoft.com/entra/architecture/recover-from-deletions"),
                   ("servicePrincipals.appRoleAssignedTo", "https://learn.microsoft.com/entra/architecture/recover-from-deletions")),
    create_defaults=(
        ("groupTypes", []),
        ("description", None),
        ("mail", None),
        ("proxyAddresses", []),
        ("membershipRule", None),
        ("membershipRuleProcessingState", None),
        ("isAssignableToRole", None),
        ("visibility", None),
        ("classification", None),
        ("onPremisesSyncEnabled", None),
        ("resourceBehaviorOptions", []),
        ("resourceProvisioningOptions", []),
        ("securityIdentifier", None),
    ),
    notes=(
        "Restoring a group from deleted items keeps its id, members and owners. Membership writes by kind: "
        "dynamic and synced groups refuse member changes, mail-enabled security and distribution groups "
        "answer 403, Microsoft 365 groups accept users only, role-assignable groups need "
        "RoleManagement.ReadWrite.Directory. "
        "https://learn.microsoft.com/en-us/graph/api/resources/group?view=graph-rest-1.0"
    ),
)
