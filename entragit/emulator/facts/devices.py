"""The emulator's facts about the rest of the directory: devices, organizational contacts, directory roles and
administrative units. Each fact cites its Microsoft Learn page; properties, types and enums come from the
metadata.

- Devices and organizational contacts are members of security groups ("A group can have users, organizational
  contacts, devices, service principals and other groups as members", group-list-members; Microsoft 365 groups
  take users only, group-post-members); an organizational contact can also be a user's manager (the manager
  relationship is a directoryObject; orgContact has directReports), a device never.
- Devices are created and deleted through Graph (device-post-devices, device-delete) and are deleted for good
  (directory-deleteditems-list does not list devices among the restorable types).
- Organizational contacts are read-only in Graph v1.0 (orgContact: List, Get, delta, manager, memberOf; no
  create, update or delete; Exchange and directory synchronization manage them): the emulator takes them from
  seeds and the control plane (``POST /_emulator/objects``).
- Directory roles are read here (directoryrole-list, directoryrole-list-members): their members see them in
  ``memberOf``.
- Administrative units with ``isMemberManagementRestricted`` make their members restricted-management objects
  (``isManagementRestricted: true``), whose app-only writes Graph refuses (admin-units-restricted-management;
  ``permissions.py``).
"""

from __future__ import annotations

from entragit.emulator.facts.model import DeleteKind, EntitySet, Link, LinkKind

LEARN = "https://learn.microsoft.com/en-us/graph/api/"


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


DEVICES = EntitySet(
    key="devices", title="device", collection="devices", entity="microsoft.graph.device",
    source=LEARN + "resources/device?view=graph-rest-1.0",
    directory_object=True, delta=True, delete=DeleteKind.HARD, extension_attributes=True,
    # read-only per resources/device; isCompliant, isManaged and mdmAppId are written by Intune only
    read_only=_names(
        "id deletedDateTime approximateLastSignInDateTime complianceExpirationDateTime deviceVersion isCompliant "
        "isManaged isManagementRestricted mdmAppId onPremisesLastSyncDateTime onPremisesSecurityIdentifier "
        "onPremisesSyncEnabled registrationDateTime systemLabels trustType managementType enrollmentType "
        "enrollmentProfileName deviceOwnership deviceCategory isRooted"),
    # device-post-devices: "accountEnabled, alternativeSecurityIds, deviceId, displayName, operatingSystem and
    # operatingSystemVersion are required"
    required=_names("accountEnabled alternativeSecurityIds deviceId displayName operatingSystem "
                    "operatingSystemVersion"),
    create_defaults=(("physicalIds", []), ("systemLabels", []), ("isCompliant", None), ("isManaged", None),
                     ("trustType", None), ("profileType", None), ("registrationDateTime", None)),
)

CONTACTS = EntitySet(
    key="contacts", title="organizational contact", collection="contacts", entity="microsoft.graph.orgContact",
    source=LEARN + "resources/orgcontact?view=graph-rest-1.0",
    directory_object=True, delta=True, delete=DeleteKind.NONE, read_only_set=True,
)

DIRECTORY_ROLES = EntitySet(
    key="directoryRoles", title="directory role", collection="directoryRoles", entity="microsoft.graph.directoryRole",
    source=LEARN + "resources/directoryrole?view=graph-rest-1.0",
    directory_object=True, delta=True, delete=DeleteKind.NONE, read_only_set=True,
    links=(
        Link("members", LinkKind.IDS, read="directoryRoles/{id}/members", targets=("users", "groups",
             "servicePrincipals"), source=LEARN + "directoryrole-list-members?view=graph-rest-1.0"),
    ),
)

ADMINISTRATIVE_UNITS = EntitySet(
    key="administrativeUnits", title="administrative unit", collection="directory/administrativeUnits",
    entity="microsoft.graph.administrativeUnit", source=LEARN + "resources/administrativeunit?view=graph-rest-1.0",
    directory_object=True, delta=True, delete=DeleteKind.SOFT, deleted_cast="administrativeUnit",
    read_only_set=True,
    links=(
        Link("members", LinkKind.IDS, read="directory/administrativeUnits/{id}/members", targets=("users", "groups",
             "devices"), source=LEARN + "administrativeunit-list-members?view=graph-rest-1.0"),
    ),
)

OTHER_DIRECTORY = (DEVICES, CONTACTS, DIRECTORY_ROLES, ADMINISTRATIVE_UNITS)
