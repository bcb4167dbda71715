"""Which directory audit entry each Graph write produces: activity, category, service, operation type.

Names and categories are those of "Microsoft Entra audit log categories and activities"
(https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-audit-activities): the Core
Directory service logs users, groups, applications, service principals, grants, the authorization policy,
the company and devices; the Conditional Access service logs policies and named locations (category
Policy); the Authentication Methods service logs authentication strengths. Rows marked ``unconfirmed`` use
a name that page does not list for that exact operation (docs/emulator.md lists them).

Keys are (method, route template with ``{}`` placeholders, lower case), as ``permissions.template_key``.
For routes shared by several entity types (deleted items) the activity is picked by the object's type.
"""

from __future__ import annotations

from dataclasses import dataclass

CORE = "Core Directory"
CA = "Conditional Access"
METHODS = "Authentication Methods"


@dataclass(frozen=True)
class Activity:
    name: str  # activityDisplayName; "{type}" is replaced by the object's display type ("user", "group" ...)
    category: str
    operation: str  # operationType: Add, Update, Delete, Assign, Unassign
    service: str = CORE
    # where the targets come from: "path" (the {id} object), "reply" (the created object), "ref" (a link: the
    # linked object, then the owner), "body" (an assignment or grant: the service principals and the principal
    # it names, from the body or, for a removal, from the object removed)
    target: str = "path"
    unconfirmed: bool = False


def _a(name: str, category: str, operation: str, **kw: object) -> Activity:
    return Activity(name, category, operation, **kw)  # type: ignore[arg-type]


_USER, _GROUP, _APP = "UserManagement", "GroupManagement", "ApplicationManagement"

ACTIVITIES: dict[tuple[str, str], Activity] = {
    # users
    ("POST", "users"): _a("Add user", _USER, "Add", target="reply"),
    ("PATCH", "users/{}"): _a("Update user", _USER, "Update"),
    ("DELETE", "users/{}"): _a("Delete user", _USER, "Delete"),
    ("PUT", "users/{}/manager/$ref"): _a("Set user manager", _USER, "Update", target="ref"),
    ("DELETE", "users/{}/manager/$ref"): _a("Update user", _USER, "Update", unconfirmed=True),
    ("POST", "users/{}/approleassignments"): _a("Add app role assignment grant to user", _USER, "Assign",
                                                target="body", unconfirmed=True),
    ("DELETE", "users/{}/approleassignments/{}"): _a("Remove app role assignment from user", _USER, "Unassign",
                                                                      target="body"),
    # groups
    ("POST", "groups"): _a("Add group", _GROUP, "Add", target="reply"),
    ("PATCH", "groups/{}"): _a("Update group", _GROUP, "Update"),
    ("DELETE", "groups/{}"): _a("Delete group", _GROUP, "Delete"),
    ("POST", "groups/{}/members/$ref"): _a("Add member to group", _GROUP, "Assign", target="ref"),
    ("DELETE", "groups/{}/members/{}/$ref"): _a("Remove member from group", _GROUP, "Unassign", target="ref"),
    ("POST", "groups/{}/owners/$ref"): _a("Add owner to group", _GROUP, "Assign", target="ref"),
    ("DELETE", "groups/{}/owners/{}/$ref"): _a("Remove owner from group", _GROUP, "Unassign", target="ref"),
    ("POST", "groups/{}/approleassignments"): _a("Add app role assignment to group", _GROUP, "Assign", target="body"),
    ("DELETE", "groups/{}/approleassignments/{}"): _a("Remove app role assignment from group", _GROUP,
                                                                        "Unassign", target="body"),
    # applications
    ("POST", "applications"): _a("Add application", _APP, "Add", target="reply"),
    ("PATCH", "applications/{}"): _a("Update application", _APP, "Update"),
    ("DELETE", "applications/{}"): _a("Delete application", _APP, "Delete"),
    ("POST", "applications/{}/owners/$ref"): _a("Add owner to application", _APP, "Assign", target="ref"),
    ("DELETE", "applications/{}/owners/{}/$ref"): _a("Remove owner from application", _APP, "Unassign",
                                                     target="ref"),
    ("POST", "applications/{}/federatedidentitycredentials"): _a("Update application", _APP, "Update",
                                                                 unconfirmed=True),
    ("PATCH", "applications/{}/federatedidentitycredentials/{}"): _a("Update application", _APP, "Update",
                                                                     unconfirmed=True),
    ("DELETE", "applications/{}/federatedidentitycredentials/{}"): _a("Update application", _APP, "Update",
                                                                      unconfirmed=True),
    ("POST", "applications/{}/addpassword"): _a("Update application - Certificates and secrets management", _APP,
                                                "Update"),
    ("POST", "applications/{}/removepassword"): _a("Update application - Certificates and secrets management", _APP,
                                                   "Update"),
    # service principals
    ("POST", "serviceprincipals"): _a("Add service principal", _APP, "Add", target="reply"),
    ("PATCH", "serviceprincipals/{}"): _a("Update service principal", _APP, "Update"),
    ("DELETE", "serviceprincipals/{}"): _a("Remove service principal", _APP, "Delete"),
    ("POST", "serviceprincipals/{}/owners/$ref"): _a("Add owner to service principal", _APP, "Assign", target="ref"),
    ("DELETE", "serviceprincipals/{}/owners/{}/$ref"): _a("Remove owner from service principal", _APP, "Unassign",
                                                          target="ref"),
    ("POST", "serviceprincipals/{}/approleassignedto"): _a("Add app role assignment to service principal", _APP,
                                                           "Assign", target="body"),
    ("DELETE", "serviceprincipals/{}/approleassignedto/{}"): _a("Remove app role assignment from service principal",
                                                                _APP, "Unassign", target="body"),
    ("POST", "serviceprincipals/{}/approleassignments"): _a("Add app role assignment to service principal", _APP,
                                                            "Assign", target="body"),
    ("DELETE", "serviceprincipals/{}/approleassignments/{}"): _a("Remove app role assignment from service principal",
                                                                 _APP, "Unassign", target="body"),
    ("POST", "serviceprincipals/{}/addpassword"): _a("Add service principal credentials", _APP, "Update"),
    ("POST", "serviceprincipals/{}/removepassword"): _a("Remove service principal credentials", _APP, "Update"),
    # delegated permission grants
    ("POST", "oauth2permissiongrants"): _a("Add delegated permission grant", _APP, "Assign", target="body"),
    ("PATCH", "oauth2permissiongrants/{}"): _a("Add delegated permission grant", _APP, "Update", target="body",
                                               unconfirmed=True),
    ("DELETE", "oauth2permissiongrants/{}"): _a("Remove delegated permission grant", _APP, "Unassign",
                                                target="body"),
    # deleted items: "{type}" is the object's type ("Restore user", "Hard Delete group")
    ("POST", "directory/deleteditems/{}/restore"): _a("Restore {type}", "", "Update"),
    ("POST", "directory/deleteditems/{}/microsoft.graph.restore"): _a("Restore {type}", "", "Update"),
    ("DELETE", "directory/deleteditems/{}"): _a("Hard Delete {type}", "", "Delete"),
    # policies and the company
    ("PATCH", "policies/authorizationpolicy"): _a("Update authorization policy", "AuthorizationPolicy", "Update"),
    ("PATCH", "policies/authorizationpolicy/authorizationpolicy"): _a("Update authorization policy",
                                                                      "AuthorizationPolicy", "Update"),
    ("PATCH", "organization/{}"): _a("Update company", "DirectoryManagement", "Update", unconfirmed=True),
    ("POST", "identity/conditionalaccess/policies"): _a("Add Conditional Access policy", "Policy", "Add",
                                                        service=CA, target="reply"),
    ("PATCH", "identity/conditionalaccess/policies/{}"): _a("Update Conditional Access policy", "Policy", "Update",
                                                            service=CA),
    ("DELETE", "identity/conditionalaccess/policies/{}"): _a("Delete Conditional Access policy", "Policy", "Delete",
                                                             service=CA),
    ("POST", "identity/conditionalaccess/namedlocations"): _a("Add named location", "Policy", "Add", service=CA,
                                                              target="reply"),
    ("PATCH", "identity/conditionalaccess/namedlocations/{}"): _a("Update named location", "Policy", "Update",
                                                                  service=CA),
    ("DELETE", "identity/conditionalaccess/namedlocations/{}"): _a("Delete named location", "Policy", "Delete",
                                                                   service=CA),
    ("POST", "policies/authenticationstrengthpolicies"): _a("Authentication Strength Policy Create", _APP, "Add",
                                                            service=METHODS, target="reply"),
    ("PATCH", "policies/authenticationstrengthpolicies/{}"): _a("Authentication Strength Policy Update", _APP,
                                                                "Update", service=METHODS),
    ("DELETE", "policies/authenticationstrengthpolicies/{}"): _a("Authentication Strength Policy Delete", _APP,
                                                                 "Delete", service=METHODS),
    ("POST", "policies/authenticationstrengthpolicies/{}/updateallowedcombinations"): _a(
        "Authentication Strength Policy Update", _APP, "Update", service=METHODS),
    ("POST", "policies/authenticationstrengthpolicies/{}/combinationconfigurations"): _a(
        "Authentication Strength Combination Configuration Create", _APP, "Add", service=METHODS),
    ("PATCH", "policies/authenticationstrengthpolicies/{}/combinationconfigurations/{}"): _a(
        "Authentication Strength Combination Configuration Update", _APP, "Update", service=METHODS),
    ("DELETE", "policies/authenticationstrengthpolicies/{}/combinationconfigurations/{}"): _a(
        "Authentication Strength Combination Configuration Delete", _APP, "Delete", service=METHODS),
    ("PATCH", "policies/authenticationmethodspolicy"): _a("Authentication Methods Policy Update", _APP, "Update",
                                                          service=METHODS, unconfirmed=True),
    ("POST", "policies/authenticationmethodspolicy/authenticationmethodconfigurations"): _a(
        "Authentication Methods Policy Update", _APP, "Update", service=METHODS, unconfirmed=True),
    ("PATCH", "policies/authenticationmethodspolicy/authenticationmethodconfigurations/{}"): _a(
        "Authentication Methods Policy Update", _APP, "Update", service=METHODS, unconfirmed=True),
    ("DELETE", "policies/authenticationmethodspolicy/authenticationmethodconfigurations/{}"): _a(
        "Authentication Methods Policy Update", _APP, "Update", service=METHODS, unconfirmed=True),
    # devices (Core Directory, category Device)
    ("POST", "devices"): _a("Add device", "Device", "Add", target="reply"),
    ("PATCH", "devices/{}"): _a("Update device", "Device", "Update"),
    ("DELETE", "devices/{}"): _a("Delete device", "Device", "Delete"),
}

# Restore / hard delete by the object's entity type: (display type in the activity name, category).
DELETED_KINDS: dict[str, tuple[str, str]] = {
    "user": ("user", _USER), "agentUser": ("user", _USER), "group": ("group", _GROUP),
    "application": ("application", _APP), "agentIdentityBlueprint": ("application", _APP),
    "servicePrincipal": ("service principal", _APP), "agentIdentity": ("service principal", _APP),
    "agentIdentityBlueprintPrincipal": ("service principal", _APP),
    "administrativeUnit": ("administrative unit", "AdministrativeUnit"),
}

# targetResources[].type by entity type (directoryAudit examples: "User", "Group", "Application",
# "ServicePrincipal", "Device", "Policy"; anything else "Other").
TARGET_TYPES: dict[str, str] = {
    "user": "User", "agentUser": "User", "group": "Group", "application": "Application",
    "agentIdentityBlueprint": "Application", "servicePrincipal": "ServicePrincipal",
    "agentIdentity": "ServicePrincipal", "agentIdentityBlueprintPrincipal": "ServicePrincipal", "device": "Device",
    "orgContact": "Other", "conditionalAccessPolicy": "Policy", "ipNamedLocation": "Policy",
    "countryNamedLocation": "Policy", "namedLocation": "Policy", "authenticationStrengthPolicy": "Policy",
    "authenticationMethodsPolicy": "Policy", "authorizationPolicy": "Policy", "organization": "Directory",
}

# Never recorded in modifiedProperties: secrets and credentials' key material.
SECRET_PROPERTIES = frozenset({"passwordProfile", "passwordCredentials", "keyCredentials", "secretText", "key"})
