"""Which application permissions each Graph endpoint accepts: the "Permissions" table of its Learn API page.

One :class:`Endpoint` per method + path template the emulator routes. ``least`` and ``higher`` are the
*Application* row of the page's table, copied as Learn writes them: alternatives separated by commas, a
combination joined by ``and`` ("Policy.Read.All and Policy.ReadWrite.ConditionalAccess"). A caller holding
every permission of one alternative, from either column, may call the endpoint. Some pages give one row per
kind of object instead (restore from deleted items, adding a group member): ``by`` maps the entity type of
the object the request names (``subject``) to that row. ``unconfirmed`` marks a row taken from an older page,
an inference or graph-entra.md where the current page could not be read; it is listed in docs/emulator.md
and kept strict (no alternative Learn does not name).

The check itself, the error each workload answers and the per-property rules are in ``permissions.py``.
This module is data only; nothing here is read from docs/setup.md (that guide is tested against it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LEARN = "https://learn.microsoft.com/en-us/graph/api/{page}?view=graph-rest-1.0"
LEARN_BETA = "https://learn.microsoft.com/en-us/graph/api/{page}?view=graph-rest-beta"

# Error flavours: which 403 a workload answers (permissions.py renders them).
DIRECTORY = "directory"  # Authorization_RequestDenied
POLICY = "policy"  # AccessDenied ("required scopes are missing in the token")
AUDIT = "audit"  # Authentication_MSGraphPermissionMissing

# Subjects of per-type rows: whose entity type picks the row.
PATH_OBJECT = "path"  # the object named by {id} in the path (directory/deletedItems/{id}/restore)
PATH_CAST = "cast"  # the type cast in the path (directory/deletedItems/microsoft.graph.user)
BODY_REF = "ref"  # the object named by the body's @odata.id ($ref writes)
PATH_REF = "path-ref"  # the object named by {ref} in the path (DELETE groups/{id}/members/{ref})


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str  # the route template, placeholders in braces ("groups/{id}/members/$ref")
    least: str
    higher: str = ""
    page: str = ""  # Learn page name: LEARN.format(page=...)
    flavour: str = DIRECTORY
    subject: str = ""
    by: dict[str, tuple[str, str]] = field(default_factory=dict)  # entity type -> (least, higher)
    unconfirmed: str = ""  # why the row is not from the current Learn page (kept strict)
    beta: bool = False

    @property
    def source(self) -> str:
        return (LEARN_BETA if self.beta else LEARN).format(page=self.page)


def _e(method: str, template: str, least: str, higher: str = "", *, page: str, **kw: object) -> Endpoint:
    return Endpoint(method, template, least, higher, page, **kw)  # type: ignore[arg-type]


# Rows shared by several endpoints --------------------------------------------------------------------------
_USER_READ = ("User.Read.All", "User.ReadWrite.All, Directory.Read.All, Directory.ReadWrite.All")
_GROUP_READ = ("GroupMember.Read.All", "Group.Read.All, Directory.Read.All, Group.ReadWrite.All, Directory.ReadWrite.All")
_LINKS_READ = ("GroupMember.Read.All", "Group.ReadWrite.All, Directory.Read.All, Group.Read.All, GroupMember.ReadWrite.All")
_APP_READ = ("Application.Read.All", "Application.ReadWrite.OwnedBy, Application.ReadWrite.All, Directory.Read.All")
_SP_READ = ("Application.Read.All",
            "Application.ReadWrite.OwnedBy, Application.ReadWrite.All, Directory.Read.All, Directory.ReadWrite.All")
_APP_WRITE = ("Application.ReadWrite.OwnedBy", "Application.ReadWrite.All")
_GRANT_READ = ("Directory.Read.All", "DelegatedPermissionGrant.ReadWrite.All, Directory.ReadWrite.All")
_GRANT_WRITE = ("DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All")
_ASSIGN_WRITE = ("AppRoleAssignment.ReadWrite.All and Application.Read.All", "")
_CA_READ = ("Policy.Read.All", "")
_CA_WRITE = ("Policy.Read.All and Policy.ReadWrite.ConditionalAccess",
             "Application.Read.All and Policy.ReadWrite.ConditionalAccess")
_STRENGTH_READ = ("Policy.Read.All", "Policy.ReadWrite.ConditionalAccess, Policy.ReadWrite.AuthenticationMethod")
_STRENGTH_WRITE = ("Policy.ReadWrite.ConditionalAccess", "Policy.ReadWrite.AuthenticationMethod")
_METHODS_READ = ("Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod")
_METHODS_WRITE = ("Policy.ReadWrite.AuthenticationMethod", "")
_DIR_READ = ("Directory.Read.All", "Directory.ReadWrite.All")
_DEVICE_READ = ("Device.Read.All", "Directory.Read.All, Device.ReadWrite.All, Directory.ReadWrite.All")
_CONTACT_READ = ("OrgContact.Read.All", "Directory.Read.All, Directory.ReadWrite.All")
_ROLE_READ = ("RoleManagement.Read.Directory",
              "Directory.Read.All, RoleManagement.ReadWrite.Directory, Directory.ReadWrite.All")
_AU_READ = ("AdministrativeUnit.Read.All",
            "Directory.Read.All, AdministrativeUnit.ReadWrite.All, Directory.ReadWrite.All")

# Deleted items, by the entity type of the object (directory-deleteditems-list/-get/-restore/-delete).
_DELETED_READ = {  # one row per type, least privileged only (directory-deleteditems-list, 2026-05)
    "application": ("Application.Read.All", ""), "servicePrincipal": ("Application.Read.All", ""),
    "agentIdentityBlueprint": ("AgentIdentityBlueprint.Read.All", ""),
    "agentIdentity": ("AgentIdentity.Read.All", ""),
    "agentIdentityBlueprintPrincipal": ("AgentIdentityBlueprintPrincipal.Read.All", ""),
    "group": ("Group.Read.All", ""), "user": ("User.Read.All", ""), "agentUser": ("User.ReadBasic.All", ""),
    "administrativeUnit": ("AdministrativeUnit.Read.All", ""),
}
_DELETED_RESTORE = {  # directory-deleteditems-restore (2026-03), least privileged only
    "application": ("Application.ReadWrite.OwnedBy", ""), "servicePrincipal": ("Application.ReadWrite.OwnedBy", ""),
    "agentIdentity": ("AgentIdentity.DeleteRestore.All", ""),
    "agentIdentityBlueprint": ("AgentIdentityBlueprint.DeleteRestore.All", ""),
    "agentIdentityBlueprintPrincipal": ("AgentIdentityBlueprintPrincipal.DeleteRestore.All", ""),
    "agentUser": ("AgentIdUser.ReadWrite.IdentityParentedBy", ""),
    "group": ("Group.ReadWrite.All", ""), "user": ("User.DeleteRestore.All", ""),
    "administrativeUnit": ("AdministrativeUnit.ReadWrite.All", ""),
}
# Adding a member, by the member's entity type (group-post-members: one row per type).
MEMBER_ADD = {
    "user": ("GroupMember.ReadWrite.All", ""), "group": ("GroupMember.ReadWrite.All", ""),
    "device": ("GroupMember.ReadWrite.All and Device.ReadWrite.All", ""),
    "orgContact": ("GroupMember.ReadWrite.All and OrgContact.Read.All", ""),
    "servicePrincipal": ("GroupMember.ReadWrite.All and Application.ReadWrite.All", ""),
    "agentIdentity": ("GroupMember.ReadWrite.All and Application.ReadWrite.All", ""),
    "agentIdentityBlueprintPrincipal": ("GroupMember.ReadWrite.All and Application.ReadWrite.All", ""),
    "agentUser": ("GroupMember.ReadWrite.All", ""),
}
# Deleting an object through a link without /$ref (group-delete-members: "if the app can manage that object
# type, the member object itself is deleted"): the link's write permission and the object's delete one.
_OBJECT_DELETE = {
    "user": ("GroupMember.ReadWrite.All and User.ReadWrite.All", ""),
    "group": ("GroupMember.ReadWrite.All and Group.ReadWrite.All", ""),
    "servicePrincipal": ("GroupMember.ReadWrite.All and Application.ReadWrite.All", ""),
    "device": ("GroupMember.ReadWrite.All and Device.ReadWrite.All", ""),
    "orgContact": ("GroupMember.ReadWrite.All and OrgContact.ReadWrite.All", ""),
}
_INFERRED = "page not readable; inferred from the sibling operations (graph-entra.md)"

ENDPOINTS: tuple[Endpoint, ...] = (
    # ---- users ---------------------------------------------------------------------------------------------
    _e("GET", "users", *_USER_READ, page="user-list"),
    _e("GET", "users/$count", *_USER_READ, page="user-list"),
    _e("GET", "users/delta", *_USER_READ, page="user-delta"),
    _e("GET", "users/delta()", *_USER_READ, page="user-delta"),
    _e("GET", "users/{id}", *_USER_READ, page="user-get"),
    _e("POST", "users", "User.Create", "User.ReadWrite.All, Directory.ReadWrite.All", page="user-post-users",
       unconfirmed="least from graph-entra.md [U3]"),
    _e("PATCH", "users/{id}", "User.ReadUpdate.All", "User.ReadWrite.All, Directory.ReadWrite.All",
       page="user-update"),
    _e("DELETE", "users/{id}", "User.DeleteRestore.All", "User.ReadWrite.All", page="user-delete",
       unconfirmed="graph-entra.md [U5] names User.ReadWrite.All; User.DeleteRestore.All from the restore page"),
    _e("GET", "users/{id}/manager", *_USER_READ, page="user-list-manager", unconfirmed=_INFERRED),
    _e("PUT", "users/{id}/manager/$ref", "User.ReadWrite.All", "Directory.ReadWrite.All", page="user-post-manager",
       unconfirmed="older page (graph-entra.md [U7])"),
    _e("DELETE", "users/{id}/manager/$ref", "User.ReadWrite.All", "Directory.ReadWrite.All",
       page="user-delete-manager", unconfirmed=_INFERRED),
    _e("GET", "users/{id}/memberOf", *_DIR_READ, page="user-list-memberof", unconfirmed=_INFERRED),
    _e("GET", "users/{id}/ownedObjects", *_USER_READ, page="user-list-ownedobjects"),
    _e("GET", "users/{id}/appRoleAssignments", "User.Read.All", "AppRoleAssignment.ReadWrite.All, Directory.Read.All",
       page="user-list-approleassignments", unconfirmed=_INFERRED),
    _e("GET", "users/{id}/appRoleAssignments/{ref}", "User.Read.All",
       "AppRoleAssignment.ReadWrite.All, Directory.Read.All", page="user-list-approleassignments",
       unconfirmed=_INFERRED),
    _e("POST", "users/{id}/appRoleAssignments", *_ASSIGN_WRITE, page="user-post-approleassignments",
       unconfirmed=_INFERRED),
    _e("DELETE", "users/{id}/appRoleAssignments/{ref}", "AppRoleAssignment.ReadWrite.All",
       page="user-delete-approleassignments", unconfirmed=_INFERRED),
    _e("GET", "users/{id}/oauth2PermissionGrants", *_GRANT_READ, page="user-list-oauth2permissiongrants",
       unconfirmed=_INFERRED),
    # ---- groups --------------------------------------------------------------------------------------------
    _e("GET", "groups", *_GROUP_READ, page="group-list"),
    _e("GET", "groups/$count", *_GROUP_READ, page="group-list"),
    _e("GET", "groups/delta", *_GROUP_READ, page="group-delta", unconfirmed=_INFERRED),
    _e("GET", "groups/delta()", *_GROUP_READ, page="group-delta", unconfirmed=_INFERRED),
    _e("GET", "groups/{id}", *_GROUP_READ, page="group-get"),
    _e("POST", "groups", "Group.Create", "Directory.ReadWrite.All, Group.ReadWrite.All", page="group-post-groups"),
    _e("PATCH", "groups/{id}", "Group.ReadWrite.All", "Directory.ReadWrite.All", page="group-update",
       unconfirmed="the page's least row is scoped to disableNesting; graph-entra.md infers Group.ReadWrite.All"),
    _e("DELETE", "groups/{id}", "Group.ReadWrite.All", "Directory.ReadWrite.All", page="group-delete"),
    _e("GET", "groups/{id}/members", *_LINKS_READ, page="group-list-members"),
    _e("POST", "groups/{id}/members/$ref", "", page="group-post-members", subject=BODY_REF, by=MEMBER_ADD),
    _e("DELETE", "groups/{id}/members/{ref}/$ref", "GroupMember.ReadWrite.All",
       "Group.ReadWrite.All, Directory.ReadWrite.All", page="group-delete-members"),
    _e("DELETE", "groups/{id}/members/{ref}", "", page="group-delete-members", subject=PATH_REF, by=_OBJECT_DELETE),
    _e("GET", "groups/{id}/owners", *_LINKS_READ, page="group-list-owners"),
    # type casts of the listings (members/graph.user): the listing's rows (emu)
    _e("GET", "groups/{id}/members/{cast}", *_LINKS_READ, page="group-list-members"),
    _e("GET", "groups/{id}/owners/{cast}", *_LINKS_READ, page="group-list-owners"),
    _e("POST", "groups/{id}/owners/$ref", "Group.ReadWrite.All", "Directory.ReadWrite.All", page="group-post-owners"),
    _e("DELETE", "groups/{id}/owners/{ref}/$ref", "Group.ReadWrite.All", "Directory.ReadWrite.All",
       page="group-delete-owners"),
    _e("DELETE", "groups/{id}/owners/{ref}", "", page="group-delete-owners", subject=PATH_REF, by=_OBJECT_DELETE),
    _e("GET", "groups/{id}/memberOf", *_LINKS_READ, page="group-list-memberof", unconfirmed=_INFERRED),
    _e("GET", "groups/{id}/appRoleAssignments", "Group.Read.All", "AppRoleAssignment.ReadWrite.All, Directory.Read.All",
       page="group-list-approleassignments", unconfirmed=_INFERRED),
    _e("GET", "groups/{id}/appRoleAssignments/{ref}", "Group.Read.All",
       "AppRoleAssignment.ReadWrite.All, Directory.Read.All", page="group-list-approleassignments",
       unconfirmed=_INFERRED),
    _e("POST", "groups/{id}/appRoleAssignments", *_ASSIGN_WRITE, page="group-post-approleassignments",
       unconfirmed=_INFERRED),
    _e("DELETE", "groups/{id}/appRoleAssignments/{ref}", "AppRoleAssignment.ReadWrite.All",
       page="group-delete-approleassignments", unconfirmed=_INFERRED),
    # ---- applications --------------------------------------------------------------------------------------
    _e("GET", "applications", *_APP_READ, page="application-list"),
    _e("GET", "applications/$count", *_APP_READ, page="application-list"),
    _e("GET", "applications/delta", *_APP_READ, page="application-delta"),
    _e("GET", "applications/delta()", *_APP_READ, page="application-delta"),
    _e("GET", "applications/{id}", *_APP_READ, page="application-get"),
    _e("POST", "applications", "AppRegistration.Create", "Application.ReadWrite.OwnedBy, Application.ReadWrite.All",
       page="application-post-applications", unconfirmed="graph-entra.md [A3]"),
    _e("PATCH", "applications/{id}", *_APP_WRITE, page="application-update"),
    _e("DELETE", "applications/{id}", *_APP_WRITE, page="application-delete", unconfirmed=_INFERRED),
    _e("GET", "applications/{id}/owners", *_APP_READ, page="application-list-owners"),
    _e("GET", "applications/{id}/owners/{cast}", *_APP_READ, page="application-list-owners"),
    _e("POST", "applications/{id}/owners/$ref", "Application.ReadWrite.OwnedBy",
       "Application.ReadWrite.All, Directory.ReadWrite.All", page="application-post-owners"),
    _e("DELETE", "applications/{id}/owners/{ref}/$ref", "Application.ReadWrite.OwnedBy",
       "Application.ReadWrite.All, Directory.ReadWrite.All", page="application-delete-owners"),
    _e("DELETE", "applications/{id}/owners/{ref}", "", page="application-delete-owners", subject=PATH_REF,
       by=_OBJECT_DELETE, unconfirmed=_INFERRED),
    _e("GET", "applications/{id}/federatedIdentityCredentials", "Application.Read.All",
       "Application.ReadWrite.OwnedBy, Application.ReadWrite.All", page="application-list-federatedidentitycredentials"),
    _e("GET", "applications/{id}/federatedIdentityCredentials/{ref}", "Application.Read.All",
       "Application.ReadWrite.OwnedBy, Application.ReadWrite.All", page="federatedidentitycredential-get"),
    _e("POST", "applications/{id}/federatedIdentityCredentials", *_APP_WRITE,
       page="application-post-federatedidentitycredentials"),
    _e("PATCH", "applications/{id}/federatedIdentityCredentials/{ref}", *_APP_WRITE,
       page="federatedidentitycredential-update"),
    _e("DELETE", "applications/{id}/federatedIdentityCredentials/{ref}", *_APP_WRITE,
       page="federatedidentitycredential-delete"),
    _e("POST", "applications/{id}/addPassword", *_APP_WRITE, page="application-addpassword"),
    _e("POST", "applications/{id}/removePassword", *_APP_WRITE, page="application-removepassword"),
    _e("GET", "applications/{id}/extensionProperties", *_APP_READ, page="application-list-extensionproperty"),
    # ---- service principals ----------------------------------------------------------------------------------
    _e("GET", "servicePrincipals", *_SP_READ, page="serviceprincipal-list"),
    _e("GET", "servicePrincipals/$count", *_SP_READ, page="serviceprincipal-list"),
    _e("GET", "servicePrincipals/delta", *_SP_READ, page="serviceprincipal-delta", unconfirmed=_INFERRED),
    _e("GET", "servicePrincipals/delta()", *_SP_READ, page="serviceprincipal-delta", unconfirmed=_INFERRED),
    _e("GET", "servicePrincipals/{id}", *_SP_READ, page="serviceprincipal-get"),
    _e("POST", "servicePrincipals", *_APP_WRITE, page="serviceprincipal-post-serviceprincipals"),
    _e("PATCH", "servicePrincipals/{id}", "Application.ReadWrite.OwnedBy",
       "Application.ReadWrite.All, Directory.ReadWrite.All", page="serviceprincipal-update"),
    _e("DELETE", "servicePrincipals/{id}", *_APP_WRITE, page="serviceprincipal-delete", unconfirmed=_INFERRED),
    _e("GET", "servicePrincipals/{id}/owners", *_SP_READ, page="serviceprincipal-list-owners", unconfirmed=_INFERRED),
    _e("GET", "servicePrincipals/{id}/owners/{cast}", *_SP_READ, page="serviceprincipal-list-owners",
       unconfirmed=_INFERRED),
    _e("POST", "servicePrincipals/{id}/owners/$ref", "Application.ReadWrite.OwnedBy",
       "Application.ReadWrite.All, Directory.ReadWrite.All", page="serviceprincipal-post-owners",
       unconfirmed=_INFERRED),
    _e("DELETE", "servicePrincipals/{id}/owners/{ref}/$ref", "Application.ReadWrite.OwnedBy",
       "Application.ReadWrite.All, Directory.ReadWrite.All", page="serviceprincipal-delete-owners",
       unconfirmed=_INFERRED),
    _e("DELETE", "servicePrincipals/{id}/owners/{ref}", "", page="serviceprincipal-delete-owners", subject=PATH_REF,
       by=_OBJECT_DELETE, unconfirmed=_INFERRED),
    _e("GET", "servicePrincipals/{id}/appRoleAssignedTo", "Application.Read.All",
       "AppRoleAssignment.ReadWrite.All, Application.ReadWrite.All, Directory.Read.All",
       page="serviceprincipal-list-approleassignedto"),
    _e("GET", "servicePrincipals/{id}/appRoleAssignedTo/{ref}", "Application.Read.All",
       "AppRoleAssignment.ReadWrite.All, Application.ReadWrite.All, Directory.Read.All",
       page="serviceprincipal-list-approleassignedto"),
    _e("POST", "servicePrincipals/{id}/appRoleAssignedTo", *_ASSIGN_WRITE,
       page="serviceprincipal-post-approleassignedto"),
    _e("DELETE", "servicePrincipals/{id}/appRoleAssignedTo/{ref}", "AppRoleAssignment.ReadWrite.All",
       page="serviceprincipal-delete-approleassignedto", unconfirmed=_INFERRED),
    _e("GET", "servicePrincipals/{id}/appRoleAssignments", "Application.Read.All",
       "AppRoleAssignment.ReadWrite.All, Application.ReadWrite.All, Directory.Read.All",
       page="serviceprincipal-list-approleassignments"),
    _e("GET", "servicePrincipals/{id}/appRoleAssignments/{ref}", "Application.Read.All",
       "AppRoleAssignment.ReadWrite.All, Application.ReadWrite.All, Directory.Read.All",
       page="serviceprincipal-list-approleassignments"),
    _e("POST", "servicePrincipals/{id}/appRoleAssignments", *_ASSIGN_WRITE,
       page="serviceprincipal-post-approleassignments"),
    _e("DELETE", "servicePrincipals/{id}/appRoleAssignments/{ref}", "AppRoleAssignment.ReadWrite.All",
       page="serviceprincipal-delete-approleassignments", unconfirmed=_INFERRED),
    _e("GET", "servicePrincipals/{id}/oauth2PermissionGrants", *_GRANT_READ,
       page="serviceprincipal-list-oauth2permissiongrants", unconfirmed=_INFERRED),
    _e("GET", "servicePrincipals/{id}/memberOf", *_DIR_READ, page="serviceprincipal-list-memberof",
       unconfirmed=_INFERRED),
    _e("GET", "servicePrincipals/{id}/ownedObjects", *_APP_READ, page="serviceprincipal-list-ownedobjects",
       unconfirmed=_INFERRED),
    _e("POST", "servicePrincipals/{id}/addPassword", *_APP_WRITE, page="serviceprincipal-addpassword"),
    _e("POST", "servicePrincipals/{id}/removePassword", *_APP_WRITE, page="serviceprincipal-removepassword"),
    # ---- delegated permission grants -------------------------------------------------------------------------
    _e("GET", "oauth2PermissionGrants", *_GRANT_READ, page="oauth2permissiongrant-list"),
    _e("GET", "oauth2PermissionGrants/{id}", *_GRANT_READ, page="oauth2permissiongrant-get"),
    _e("POST", "oauth2PermissionGrants", *_GRANT_WRITE, page="oauth2permissiongrant-post"),
    _e("PATCH", "oauth2PermissionGrants/{id}", *_GRANT_WRITE, page="oauth2permissiongrant-update",
       unconfirmed=_INFERRED),
    _e("DELETE", "oauth2PermissionGrants/{id}", *_GRANT_WRITE, page="oauth2permissiongrant-delete",
       unconfirmed=_INFERRED),
    # ---- deleted items (directory) --------------------------------------------------------------------------
    _e("GET", "directory/deletedItems", "", page="directory-deleteditems-list", subject=PATH_CAST,
       by=_DELETED_READ),
    _e("GET", "directory/deletedItems/{id}", "", page="directory-deleteditems-get", subject=PATH_OBJECT,
       by=_DELETED_READ, unconfirmed="taken as the list page's rows"),
    _e("DELETE", "directory/deletedItems/{id}", "", page="directory-deleteditems-delete", subject=PATH_OBJECT,
       by=_DELETED_RESTORE, unconfirmed="taken as the restore page's rows"),
    _e("POST", "directory/deletedItems/{id}/restore", "", page="directory-deleteditems-restore",
       subject=PATH_OBJECT, by=_DELETED_RESTORE),
    _e("POST", "directory/deletedItems/{id}/microsoft.graph.restore", "", page="directory-deleteditems-restore",
       subject=PATH_OBJECT, by=_DELETED_RESTORE),
    # the graph. alias of the casts and of the action, and the cast of one item (emu): the same rows
    _e("GET", "directory/deletedItems/{cast}/$count", "", page="directory-deleteditems-list", subject=PATH_CAST,
       by=_DELETED_READ),
    _e("GET", "directory/deletedItems/{id}/{cast}", "", page="directory-deleteditems-get", subject=PATH_OBJECT,
       by=_DELETED_READ, unconfirmed="taken as the list page's rows"),
    _e("POST", "directory/deletedItems/{id}/graph.restore", "", page="directory-deleteditems-restore",
       subject=PATH_OBJECT, by=_DELETED_RESTORE),
    # ---- directory objects -------------------------------------------------------------------------------
    _e("GET", "directoryObjects/{id}", *_DIR_READ, page="directoryobject-get"),
    _e("DELETE", "directoryObjects/{id}", "Directory.ReadWrite.All", page="directoryobject-delete",
       unconfirmed=_INFERRED),
    _e("POST", "directoryObjects/getByIds", *_DIR_READ, page="directoryobject-getbyids"),
    _e("POST", "directoryObjects/microsoft.graph.getByIds", *_DIR_READ, page="directoryobject-getbyids"),
    _e("POST", "directoryObjects/getAvailableExtensionProperties", "Directory.Read.All",
       page="directoryobject-getavailableextensionproperties"),
    _e("POST", "directoryObjects/microsoft.graph.getAvailableExtensionProperties", "Directory.Read.All",
       page="directoryobject-getavailableextensionproperties"),
    # ---- devices, organizational contacts, directory roles, administrative units ----------------------------
    _e("GET", "devices", *_DEVICE_READ, page="device-list"),
    _e("GET", "devices/$count", *_DEVICE_READ, page="device-list"),
    _e("GET", "devices/delta", *_DEVICE_READ, page="device-delta", unconfirmed=_INFERRED),
    _e("GET", "devices/delta()", *_DEVICE_READ, page="device-delta", unconfirmed=_INFERRED),
    _e("GET", "devices/{id}", *_DEVICE_READ, page="device-get"),
    _e("POST", "devices", "Device.ReadWrite.All", "Directory.ReadWrite.All", page="device-post-devices",
       unconfirmed=_INFERRED),
    _e("PATCH", "devices/{id}", "Device.ReadWrite.All", "Directory.ReadWrite.All", page="device-update",
       unconfirmed=_INFERRED),
    _e("DELETE", "devices/{id}", "Device.ReadWrite.All", "Directory.ReadWrite.All", page="device-delete",
       unconfirmed=_INFERRED),
    _e("GET", "contacts", *_CONTACT_READ, page="orgcontact-list"),
    _e("GET", "contacts/$count", *_CONTACT_READ, page="orgcontact-list"),
    _e("GET", "contacts/delta", *_CONTACT_READ, page="orgcontact-delta", unconfirmed=_INFERRED),
    _e("GET", "contacts/delta()", *_CONTACT_READ, page="orgcontact-delta", unconfirmed=_INFERRED),
    _e("GET", "contacts/{id}", *_CONTACT_READ, page="orgcontact-get"),
    _e("GET", "directoryRoles", *_ROLE_READ, page="directoryrole-list"),
    _e("GET", "directoryRoles/$count", *_ROLE_READ, page="directoryrole-list"),
    _e("GET", "directoryRoles/delta", *_ROLE_READ, page="directoryrole-delta", unconfirmed=_INFERRED),
    _e("GET", "directoryRoles/delta()", *_ROLE_READ, page="directoryrole-delta", unconfirmed=_INFERRED),
    _e("GET", "directoryRoles/{id}", *_ROLE_READ, page="directoryrole-get"),
    _e("GET", "directoryRoles/{id}/members", *_ROLE_READ, page="directoryrole-list-members"),
    _e("GET", "directoryRoles/{id}/members/{cast}", *_ROLE_READ, page="directoryrole-list-members"),
    _e("GET", "directory/administrativeUnits", *_AU_READ, page="directory-list-administrativeunits"),
    _e("GET", "directory/administrativeUnits/$count", *_AU_READ, page="directory-list-administrativeunits"),
    _e("GET", "directory/administrativeUnits/delta", *_AU_READ, page="administrativeunit-delta", unconfirmed=_INFERRED),
    _e("GET", "directory/administrativeUnits/delta()", *_AU_READ, page="administrativeunit-delta", unconfirmed=_INFERRED),
    _e("GET", "directory/administrativeUnits/{id}", *_AU_READ, page="administrativeunit-get"),
    _e("GET", "directory/administrativeUnits/{id}/members", *_AU_READ, page="administrativeunit-list-members"),
    _e("GET", "directory/administrativeUnits/{id}/members/{cast}", *_AU_READ, page="administrativeunit-list-members"),
    # ---- Entra Agent ID (type casts of the base sets; both namespace forms) ---------------------------------
    *[_e(m, f"{coll}/{ns}.{name}", least, higher, page=page, unconfirmed=why)
      for ns in ("microsoft.graph", "graph")
      for m, coll, name, least, higher, page, why in (
          ("POST", "servicePrincipals", "agentIdentity", "AgentIdentity.CreateAsManager, AgentIdentity.Create.All", "",
           "agentidentity-post", ""),
          ("POST", "servicePrincipals", "agentIdentityBlueprintPrincipal", "AgentIdentityBlueprintPrincipal.Create",
           "AgentIdentityBlueprintPrincipal.ReadWrite.All", "agentidentityblueprintprincipal-post", ""),
          ("POST", "applications", "agentIdentityBlueprint", "AgentIdentityBlueprint.Create",
           "AgentIdentityBlueprint.ReadWrite.All", "agentidentityblueprint-post", ""),
          ("POST", "users", "agentUser", "AgentIdUser.ReadWrite.IdentityParentedBy", "AgentIdUser.ReadWrite.All",
           "agentuser-post", _INFERRED),
          ("GET", "servicePrincipals", "agentIdentity", "AgentIdentity.Read.All", ", ".join(_SP_READ),
           "agentidentity-list", _INFERRED),
          ("GET", "servicePrincipals", "agentIdentityBlueprintPrincipal", "AgentIdentityBlueprintPrincipal.Read.All",
           ", ".join(_SP_READ), "agentidentityblueprintprincipal-list", _INFERRED),
          ("GET", "applications", "agentIdentityBlueprint", "AgentIdentityBlueprint.Read.All", ", ".join(_APP_READ),
           "agentidentityblueprint-list", _INFERRED),
          ("GET", "users", "agentUser", "AgentIdUser.Read.All", ", ".join(_USER_READ), "agentuser-list",
           _INFERRED),
      )],
    # ---- audit logs ----------------------------------------------------------------------------------------
    _e("GET", "auditLogs/directoryAudits", "AuditLog.Read.All and Directory.Read.All", page="directoryaudit-list",
       flavour=AUDIT),
    _e("GET", "auditLogs/directoryAudits/{id}", "AuditLog.Read.All and Directory.Read.All",
       page="directoryaudit-get", flavour=AUDIT),
    # ---- conditional access (policy flavour) ---------------------------------------------------------------
    _e("GET", "identity/conditionalAccess/policies", *_CA_READ, page="conditionalaccessroot-list-policies",
       flavour=POLICY),
    _e("GET", "identity/conditionalAccess/policies/$count", *_CA_READ, page="conditionalaccessroot-list-policies",
       flavour=POLICY),
    _e("GET", "identity/conditionalAccess/policies/{id}", *_CA_READ, page="conditionalaccesspolicy-get",
       flavour=POLICY),
    _e("POST", "identity/conditionalAccess/policies", *_CA_WRITE, page="conditionalaccessroot-post-policies",
       flavour=POLICY),
    _e("PATCH", "identity/conditionalAccess/policies/{id}", *_CA_WRITE, page="conditionalaccesspolicy-update",
       flavour=POLICY),
    _e("DELETE", "identity/conditionalAccess/policies/{id}", *_CA_WRITE, page="conditionalaccesspolicy-delete",
       flavour=POLICY),
    _e("GET", "identity/conditionalAccess/namedLocations", *_CA_READ, page="conditionalaccessroot-list-namedlocations",
       flavour=POLICY),
    _e("GET", "identity/conditionalAccess/namedLocations/$count", *_CA_READ,
       page="conditionalaccessroot-list-namedlocations", flavour=POLICY),
    _e("GET", "identity/conditionalAccess/namedLocations/{id}", *_CA_READ, page="namedlocation-get", flavour=POLICY),
    _e("POST", "identity/conditionalAccess/namedLocations", *_CA_WRITE,
       page="conditionalaccessroot-post-namedlocations", flavour=POLICY),
    _e("PATCH", "identity/conditionalAccess/namedLocations/{id}", *_CA_WRITE, page="ipnamedlocation-update",
       flavour=POLICY),
    _e("DELETE", "identity/conditionalAccess/namedLocations/{id}", *_CA_WRITE, page="namedlocation-delete",
       flavour=POLICY),
    _e("GET", "identity/conditionalAccess/deletedItems/{container}", *_CA_READ, page="policydeletableitem-list",
       flavour=POLICY, beta=True, unconfirmed="the page's conditional access table could not be read"),
    _e("GET", "identity/conditionalAccess/deletedItems/{container}/{id}", *_CA_READ, page="policydeletableitem-get",
       flavour=POLICY, beta=True, unconfirmed="the page's conditional access table could not be read"),
    _e("DELETE", "identity/conditionalAccess/deletedItems/{container}/{id}", *_CA_WRITE,
       page="policydeletableitem-delete", flavour=POLICY, beta=True, unconfirmed=_INFERRED),
    _e("POST", "identity/conditionalAccess/deletedItems/{container}/{id}/restore", *_CA_WRITE,
       page="conditionalaccesspolicy-restore", flavour=POLICY, beta=True,
       unconfirmed="the page lists no application permission; app-only restore is refused by the backend"),
    # ---- authentication strengths and methods (policy flavour) --------------------------------------------
    _e("GET", "policies/authenticationStrengthPolicies", *_STRENGTH_READ, page="authenticationstrengthroot-list-policies",
       flavour=POLICY),
    _e("GET", "policies/authenticationStrengthPolicies/$count", *_STRENGTH_READ,
       page="authenticationstrengthroot-list-policies", flavour=POLICY),
    _e("GET", "policies/authenticationStrengthPolicies/{id}", *_STRENGTH_READ, page="authenticationstrengthpolicy-get",
       flavour=POLICY),
    _e("POST", "policies/authenticationStrengthPolicies", *_STRENGTH_WRITE,
       page="authenticationstrengthroot-post-policies", flavour=POLICY),
    _e("PATCH", "policies/authenticationStrengthPolicies/{id}", "Policy.ReadWrite.ConditionalAccess",
       page="authenticationstrengthpolicy-update", flavour=POLICY),
    _e("DELETE", "policies/authenticationStrengthPolicies/{id}", *_STRENGTH_WRITE,
       page="authenticationstrengthpolicy-delete", flavour=POLICY, unconfirmed=_INFERRED),
    _e("POST", "policies/authenticationStrengthPolicies/{id}/updateAllowedCombinations",
       "Policy.ReadWrite.ConditionalAccess", page="authenticationstrengthpolicy-updateallowedcombinations",
       flavour=POLICY),
    _e("GET", "policies/authenticationStrengthPolicies/{id}/combinationConfigurations", *_STRENGTH_READ,
       page="authenticationstrengthpolicy-list-combinationconfigurations", flavour=POLICY, unconfirmed=_INFERRED),
    _e("GET", "policies/authenticationStrengthPolicies/{id}/combinationConfigurations/{ref}", *_STRENGTH_READ,
       page="authenticationcombinationconfiguration-get", flavour=POLICY, unconfirmed=_INFERRED),
    _e("POST", "policies/authenticationStrengthPolicies/{id}/combinationConfigurations", *_STRENGTH_WRITE,
       page="authenticationstrengthpolicy-post-combinationconfigurations", flavour=POLICY),
    _e("PATCH", "policies/authenticationStrengthPolicies/{id}/combinationConfigurations/{ref}", *_STRENGTH_WRITE,
       page="authenticationcombinationconfiguration-update", flavour=POLICY),
    _e("DELETE", "policies/authenticationStrengthPolicies/{id}/combinationConfigurations/{ref}", *_STRENGTH_WRITE,
       page="authenticationcombinationconfiguration-delete", flavour=POLICY),
    _e("GET", "policies/authenticationMethodsPolicy", *_METHODS_READ, page="authenticationmethodspolicy-get",
       flavour=POLICY),
    _e("PATCH", "policies/authenticationMethodsPolicy", *_METHODS_WRITE, page="authenticationmethodspolicy-update",
       flavour=POLICY, unconfirmed="table not readable (graph-entra.md [M3]); the method pages name it"),
    _e("GET", "policies/authenticationMethodsPolicy/authenticationMethodConfigurations", *_METHODS_READ,
       page="authenticationmethodspolicy-get", flavour=POLICY),
    _e("GET", "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{ref}", *_METHODS_READ,
       page="fido2authenticationmethodconfiguration-get", flavour=POLICY),
    _e("POST", "policies/authenticationMethodsPolicy/authenticationMethodConfigurations", *_METHODS_WRITE,
       page="authenticationmethodspolicy-post-authenticationmethodconfigurations", flavour=POLICY,
       unconfirmed=_INFERRED),
    _e("PATCH", "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{ref}", *_METHODS_WRITE,
       page="fido2authenticationmethodconfiguration-update", flavour=POLICY),
    _e("DELETE", "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{ref}", *_METHODS_WRITE,
       page="fido2authenticationmethodconfiguration-delete", flavour=POLICY),
    # ---- authorization policy and organization (directory flavour: steampipe-plugin-azuread#91) -----------
    _e("GET", "policies/authorizationPolicy", "Policy.Read.All", "Policy.ReadWrite.Authorization",
       page="authorizationpolicy-get"),
    _e("PATCH", "policies/authorizationPolicy", "Policy.ReadWrite.Authorization", page="authorizationpolicy-update"),
    _e("GET", "policies/authorizationPolicy/authorizationPolicy", "Policy.Read.All", "Policy.ReadWrite.Authorization",
       page="authorizationpolicy-get", beta=True),
    _e("PATCH", "policies/authorizationPolicy/authorizationPolicy", "Policy.ReadWrite.Authorization",
       page="authorizationpolicy-update", beta=True),
    _e("GET", "organization", "Organization.Read.All",
       "Directory.Read.All, Organization.ReadWrite.All, Directory.ReadWrite.All", page="organization-list"),
    _e("GET", "organization/$count", "Organization.Read.All",
       "Directory.Read.All, Organization.ReadWrite.All, Directory.ReadWrite.All", page="organization-list"),
    _e("GET", "organization/{id}", "Organization.Read.All",
       "Directory.Read.All, Organization.ReadWrite.All, Directory.ReadWrite.All", page="organization-get"),
    _e("PATCH", "organization/{id}", "Organization.ReadWrite.All", page="organization-update"),
    # Graph has no create or delete for the organization; the emulator routes them only to refuse them
    _e("POST", "organization", "Organization.ReadWrite.All", page="organization-update",
       unconfirmed="no such operation on Learn"),
    _e("DELETE", "organization/{id}", "Organization.ReadWrite.All", page="organization-update",
       unconfirmed="no such operation on Learn"),
)

# Properties with permissions of their own (user-update "Permissions for specific scenarios";
# serviceprincipal-update; custom-security-attributes-examples). Writes: any of the entity's write
# endpoints carrying the property also need the permission. Reads: without it the property reads null
# (employeeLeaveDateTime: Azure/LogicAppsUX#4925; customSecurityAttributes: the user resource page, "To read
# this property, the calling app must be assigned the CustomSecAttributeAssignment.Read.All permission").
PROPERTY_WRITES: dict[tuple[str, str], str] = {
    ("user", "employeeLeaveDateTime"): "User.Read.All and User-LifeCycleInfo.ReadWrite.All",
    ("user", "customSecurityAttributes"): "CustomSecAttributeAssignment.ReadWrite.All",
    ("user", "identities"): "User.ManageIdentities.All",
    ("servicePrincipal", "customSecurityAttributes"): "CustomSecAttributeAssignment.ReadWrite.All",
}
PROPERTY_READS: dict[tuple[str, str], str] = {
    ("user", "employeeLeaveDateTime"): "User-LifeCycleInfo.Read.All, User-LifeCycleInfo.ReadWrite.All",
    ("user", "customSecurityAttributes"):
        "CustomSecAttributeAssignment.Read.All, CustomSecAttributeAssignment.ReadWrite.All",
    ("servicePrincipal", "customSecurityAttributes"):
        "CustomSecAttributeAssignment.Read.All, CustomSecAttributeAssignment.ReadWrite.All",
}
PROPERTY_SOURCES = {
    "employeeLeaveDateTime": "https://learn.microsoft.com/en-us/graph/tutorial-lifecycle-workflows-set-employeeleavedatetime",
    "customSecurityAttributes": "https://learn.microsoft.com/en-us/graph/custom-security-attributes-examples",
    "identities": LEARN.format(page="user-update"),
}

# Reading a directoryObject collection (members, owners, memberOf): an object whose type the caller may not
# read comes back with only @odata.type and id, every other property null ("Limited information returned for
# inaccessible member objects", https://learn.microsoft.com/en-us/graph/permissions-overview). The
# permissions that read each type are the rows of its own list page.
TYPE_READS: dict[str, str] = {
    "user": "User.ReadBasic.All, " + ", ".join(_USER_READ),
    "agentUser": "User.ReadBasic.All, " + ", ".join(_USER_READ),
    "group": ", ".join(_GROUP_READ),
    "servicePrincipal": ", ".join(_SP_READ), "agentIdentity": ", ".join(_SP_READ),
    "agentIdentityBlueprintPrincipal": ", ".join(_SP_READ),
    "application": ", ".join(_APP_READ), "agentIdentityBlueprint": ", ".join(_APP_READ),
    "device": "Device.Read.All, Device.ReadWrite.All, Directory.Read.All, Directory.ReadWrite.All",
    "orgContact": "OrgContact.Read.All, OrgContact.ReadWrite.All, Directory.Read.All, Directory.ReadWrite.All",
    "directoryRole": "RoleManagement.Read.Directory, RoleManagement.ReadWrite.Directory, Directory.Read.All, "
                     "Directory.ReadWrite.All",
}

# What a permission includes, from the permissions reference
# (https://learn.microsoft.com/en-us/graph/permissions-reference): a ReadWrite permission reads what its Read
# counterpart reads (every read page above lists it among the higher privileged ones), Application.ReadWrite.All
# covers what Application.ReadWrite.OwnedBy covers for owned applications, Group.ReadWrite.All "read and update
# ... memberships" as GroupMember.ReadWrite.All does. Pages whose per-type rows name only the least privileged
# permission (restore from deleted items, adding a member) are read with these inclusions. Policy.ReadWrite.*
# permissions do not include Policy.Read.All (the Conditional Access pages ask for both).
INCLUDES: dict[str, frozenset[str]] = {
    "Application.ReadWrite.All": frozenset({"Application.ReadWrite.OwnedBy", "Application.Read.All"}),
    "Group.ReadWrite.All": frozenset({"GroupMember.ReadWrite.All", "Group.Read.All", "GroupMember.Read.All"}),
    "GroupMember.ReadWrite.All": frozenset({"GroupMember.Read.All"}),
    "Group.Read.All": frozenset({"GroupMember.Read.All"}),
    "User.ReadWrite.All": frozenset({"User.Read.All", "User.ReadBasic.All"}),
    "User.Read.All": frozenset({"User.ReadBasic.All"}),
    "Organization.ReadWrite.All": frozenset({"Organization.Read.All"}),
    "Device.ReadWrite.All": frozenset({"Device.Read.All"}),
    "Directory.ReadWrite.All": frozenset({"Directory.Read.All"}),
    "CustomSecAttributeAssignment.ReadWrite.All": frozenset({"CustomSecAttributeAssignment.Read.All"}),
    "User-LifeCycleInfo.ReadWrite.All": frozenset({"User-LifeCycleInfo.Read.All"}),
    "AdministrativeUnit.ReadWrite.All": frozenset({"AdministrativeUnit.Read.All"}),
}
