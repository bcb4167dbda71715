"""Microsoft first-party applications as every tenant sees them: a realistic subset of their
app roles and delegated permission scopes, with Microsoft's real, global GUIDs.

The ids were checked against public references (Microsoft Graph permissions reference,
https://learn.microsoft.com/en-us/graph/permissions-reference, and many independent scripts that
hard-code them); they are the same in every tenant, which is why applications can name them in
``requiredResourceAccess`` without looking anything up.
"""

from __future__ import annotations

# The tenant that owns Microsoft's first-party applications (appOwnerOrganizationId of their SPs).
MICROSOFT_TENANT_ID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
SHAREPOINT_APP_ID = "00000003-0000-0ff1-ce00-000000000000"
AZURE_PORTAL_APP_ID = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"

# Microsoft Graph application permissions (appRoles): (id, value, displayName, description).
GRAPH_APP_ROLES: tuple[tuple[str, str, str, str], ...] = (
    ("df021288-bdef-4463-88db-98f22de89214", "User.Read.All", "Read all users' full profiles",
     "Allows the app to read user profiles without a signed in user."),
    ("741f803b-c850-494e-b5df-cde7c675a1ca", "User.ReadWrite.All", "Read and write all users' full profiles",
     "Allows the app to read and update user profiles without a signed in user."),
    ("97235f07-e226-4f63-ace3-39588e11d3a1", "User.ReadBasic.All", "Read all users' basic profiles",
     "Allows the app to read a basic set of profile properties of other users in your organization without "
     "a signed-in user. Includes display name, first and last name, email address, open extensions, and "
     "photo."),
    ("5b567255-7703-4780-807c-7be8301ae99b", "Group.Read.All", "Read all groups",
     "Allows the app to read group properties and memberships, and read the calendar and conversations for "
     "all groups, without a signed-in user."),
    ("62a82d76-70ea-41e2-9197-370581804d09", "Group.ReadWrite.All", "Read and write all groups",
     "Allows the app to create groups, read all group properties and memberships, update group properties "
     "and memberships, and delete groups. Also allows the app to read and write group calendar and "
     "conversations.  All of these operations can be performed by the app without a signed-in user."),
    ("98830695-27a2-44f7-8c18-0c3ebc9698f6", "GroupMember.Read.All", "Read all group memberships",
     "Allows the app to read memberships and basic group properties for all groups without a signed-in "
     "user."),
    ("dbaae8cf-10b5-4b86-a4a1-f871c94c6695", "GroupMember.ReadWrite.All", "Read and write all group memberships",
     "Allows the app to list groups, read basic properties, read and update the membership of the groups "
     "this app has access to without a signed-in user. Group properties and owners cannot be updated and "
     "groups cannot be deleted."),
    ("7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Directory.Read.All", "Read directory data",
     "Allows the app to read data in your organization's directory, such as users, groups and apps, without "
     "a signed-in user."),
    ("19dbc75e-c2e2-444c-a770-ec69d8559fc7", "Directory.ReadWrite.All", "Read and write directory data",
     "Allows the app to read and write data in your organization's directory, such as users, and groups, "
     "without a signed-in user.  Does not allow user or group deletion."),
    ("9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", "Application.Read.All", "Read all applications",
     "Allows the app to read all applications and service principals without a signed-in user."),
    ("1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "Application.ReadWrite.All", "Read and write all applications",
     "Allows the app to create, read, update and delete applications and service principals without a "
     "signed-in user.  Does not allow management of consent grants."),
    ("18a4783c-866b-4cc7-a460-3d5e5662c884", "Application.ReadWrite.OwnedBy",
     "Manage apps that this app creates or owns",
     "Allows the app to create other applications, and fully manage those applications (read, update, update "
     "application secrets and delete), without a signed-in user.  It cannot update any apps that it is not "
     "an owner of."),
    ("06b708a9-e830-4db3-a914-8e69da51d44f", "AppRoleAssignment.ReadWrite.All",
     "Manage app permission grants and app role assignments",
     "Allows the app to manage permission grants for application permissions to any API (including Microsoft "
     "Graph) and application assignments for any app, without a signed-in user."),
    ("8e8e4742-1d95-4f68-9d56-6ee75648c72a", "DelegatedPermissionGrant.ReadWrite.All",
     "Manage all delegated permission grants",
     "Allows the app to grant or revoke any delegated permission for any API (including Microsoft Graph), "
     "without a signed-in user."),
    ("246dd0d5-5bd0-4def-940b-0421030a5b68", "Policy.Read.All", "Read your organization's policies",
     "Allows the app to read all your organization's policies without a signed in user."),
    ("37730810-e9ba-4e46-b07e-8ca78d182097", "Policy.Read.ConditionalAccess",
     "Read your organization's conditional access policies",
     "Allows the app to read your organization's conditional access policies, without a signed-in user."),
    ("01c0a623-fc9b-48e9-b794-0756f8e8f067", "Policy.ReadWrite.ConditionalAccess",
     "Read and write your organization's conditional access policies",
     "Allows the app to read and write your organization's conditional access policies, without a signed-in "
     "user."),
    ("29c18626-4985-4dcd-85c0-193eef327366", "Policy.ReadWrite.AuthenticationMethod",
     "Read and write all authentication method policies",
     "Allows the app to read and write all authentication method policies for the tenant, without a "
     "signed-in user."),
    ("fb221be6-99f2-473f-bd32-01c6a0e9ca3b", "Policy.ReadWrite.Authorization",
     "Read and write your organization's authorization policy",
     "Allows the app to read and write your organization's authorization policy without a signed in user. "
     "For example, authorization policies can control some of the permissions that the out-of-the-box user "
     "role has by default."),
    ("498476ce-e0fe-48b0-b801-37ba7e2685c6", "Organization.Read.All", "Read organization information",
     "Allows the app to read the organization and related resources, without a signed-in user. Related "
     "resources include things like subscribed skus and tenant branding information."),
    ("483bed4a-2ad3-4361-a73b-c83ccdbdc53c", "RoleManagement.Read.Directory", "Read all directory RBAC settings",
     "Allows the app to read the role-based access control (RBAC) settings for your company's directory, "
     "without a signed-in user. This includes reading directory role templates, directory roles and "
     "memberships."),
    ("9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8", "RoleManagement.ReadWrite.Directory",
     "Read and write all directory RBAC settings",
     "Allows the app to read and manage the role-based access control (RBAC) settings for your company's "
     "directory, without a signed-in user. This includes instantiating directory roles and managing "
     "directory role membership, and reading directory role templates, directory roles and memberships."),
    ("b0afded3-3588-46d8-8b3d-9842eff778da", "AuditLog.Read.All", "Read all audit log data",
     "Allows the app to read and query your audit log activities, without a signed-in user."),
    ("810c84a8-4a9e-49e6-bf7d-12d183f40d01", "Mail.Read", "Read mail in all mailboxes",
     "Allows the app to read mail in all mailboxes without a signed-in user."),
    ("b633e1c5-b582-4048-a93e-9f11b44c7e96", "Mail.Send", "Send mail as any user",
     "Allows the app to send mail as any user without a signed-in user."),
    ("798ee544-9d2d-430c-a058-570e29e34338", "Calendars.Read", "Read calendars in all mailboxes",
     "Allows the app to read events of all calendars without a signed-in user."),
    ("332a536c-c7ef-4017-ab91-336970924f0d", "Sites.Read.All", "Read items in all site collections",
     "Allows the app to read documents and list items in all site collections without a signed in user."),
)

# Microsoft Graph delegated permissions (oauth2PermissionScopes):
# (id, value, type, adminConsentDisplayName, adminConsentDescription, userConsentDisplayName,
#  userConsentDescription).
GRAPH_SCOPES: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("37f7f235-527c-4136-accd-4a02d197296e", "openid", "User", "Sign users in",
     "Allows users to sign in to the app with their work or school accounts and allows the app to see basic "
     "user profile information.", "Sign you in",
     "Allows you to sign in to the app with your work or school account and allows the app to read your "
     "basic profile information."),
    ("14dad69e-099b-42c9-810b-d002981feec1", "profile", "User", "View users' basic profile",
     "Allows the app to see your users' basic profile (e.g., name, picture, user name, email address)",
     "View your basic profile",
     "Allows the app to see your basic profile (e.g., name, picture, user name, email address)"),
    ("64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0", "email", "User", "View users' email address",
     "Allows the app to read your users' primary email address", "View your email address",
     "Allows the app to read your primary email address"),
    ("7427e0e9-2fba-42fe-b0c0-848c9e6a8182", "offline_access", "User", "Maintain access to data you have "
     "given it access to", "Allows the app to see and update the data you gave it access to, even when users "
     "are not currently using the app. This does not give the app any additional permissions.",
     "Maintain access to data you have given it access to",
     "Allows the app to see and update the data you gave it access to, even when you are not currently using "
     "the app. This does not give the app any additional permissions."),
    ("e1fe6dd8-ba31-4d61-89e7-88639da4683d", "User.Read", "User", "Sign in and read user profile",
     "Allows users to sign-in to the app, and allows the app to read the profile of signed-in users. It also "
     "allows the app to read basic company information of signed-in users.",
     "Sign you in and read your profile",
     "Allows you to sign in to the app with your organizational account and let the app read your profile. "
     "It also allows the app to read basic company information."),
    ("b4e74841-8e56-480b-be8b-910348b18b4c", "User.ReadWrite", "User", "Read and write access to user profile",
     "Allows the app to read the signed-in user's full profile. It also allows the app to update the "
     "signed-in user's profile information on their behalf.", "Read and update your profile",
     "Allows the app to read your profile, and discover your group membership, reports and manager. It also "
     "allows the app to update your profile information on your behalf."),
    ("b340eb25-3456-403f-be2f-af7a0d370277", "User.ReadBasic.All", "User", "Read all users' basic profiles",
     "Allows the app to read a basic set of profile properties of other users in your organization on behalf "
     "of the signed-in user.", "Read all users' basic profiles",
     "Allows the app to read a basic set of profile properties of other users in your organization on your "
     "behalf. Includes display name, first and last name, email address and photo."),
    ("a154be20-db9c-4678-8ab7-66f6cc099a59", "User.Read.All", "Admin", "Read all users' full profiles",
     "Allows the app to read the full set of profile properties, reports, and managers of other users in "
     "your organization, on behalf of the signed-in user.", "Read all users' full profiles",
     "Allows the app to read the full set of profile properties, reports, and managers of other users in "
     "your organization, on your behalf."),
    ("5f8c59db-677d-491f-a6b8-5f174b11ec1d", "Group.Read.All", "Admin", "Read all groups",
     "Allows the app to list groups, and to read their properties and all group memberships on behalf of "
     "the signed-in user.", "Read all groups",
     "Allows the app to list groups, and to read their properties and all group memberships on your behalf."),
    ("bc024368-1153-4739-b217-4326f2e966d0", "GroupMember.Read.All", "Admin", "Read group memberships",
     "Allows the app to list groups, read basic group properties and read membership of all groups the "
     "signed-in user has access to.", "Read group memberships",
     "Allows the app to list groups, read basic group properties and read membership of all your groups."),
    ("06da0dbc-49e2-44d2-8312-53f166ab848a", "Directory.Read.All", "Admin", "Read directory data",
     "Allows the app to read data in your organization's directory, such as users, groups and apps.",
     "Read directory data",
     "Allows the app to read data in your organization's directory."),
    ("570282fd-fa5c-430d-a7fd-fc8dc98a9dca", "Mail.Read", "User", "Read user mail",
     "Allows the app to read the signed-in user's mailbox.", "Read your mail",
     "Allows the app to read email in your mailbox."),
    ("e383f46e-2787-4529-855e-0e479a3ffac0", "Mail.Send", "User", "Send mail as a user",
     "Allows the app to send mail as users in the organization.", "Send mail as you",
     "Allows the app to send mail as you."),
    ("465a38f9-76ea-45b9-9f34-9e8b0d4b0b42", "Calendars.Read", "User", "Read user calendars",
     "Allows the app to read events in user calendars.", "Read your calendars",
     "Allows the app to read events in your calendars."),
)

GRAPH_SERVICE_PRINCIPAL_NAMES = (
    "https://canary.graph.microsoft.com/", "https://graph.microsoft.com/", "https://ags.windows.net",
    GRAPH_APP_ID, "https://canary.graph.microsoft.com", "https://graph.microsoft.com",
    "https://ags.windows.net/", "https://graph.microsoft.us", "https://graph.microsoft.us/",
    "https://dod-graph.microsoft.us", "https://dod-graph.microsoft.us/",
)

EXCHANGE_APP_ROLES: tuple[tuple[str, str, str, str], ...] = (
    ("dc890d15-9560-4a4c-9b7f-a736ec74ec40", "full_access_as_app", "Use Exchange Web Services with full access "
     "to all mailboxes", "Allows the app to have full access via Exchange Web Services to all mailboxes "
     "without a signed-in user."),
    ("dc50a0fb-09a3-484d-be87-e023b12c6440", "Exchange.ManageAsApp", "Manage Exchange As Application",
     "Allows the app to manage the organization's Exchange environment without any user interaction. This "
     "includes mailboxes, groups, and other configuration objects. To enable management actions, an admin "
     "must assign the appropriate roles directly to the app."),
)

SHAREPOINT_APP_ROLES: tuple[tuple[str, str, str, str], ...] = (
    ("678536fe-1083-478a-9c59-b99265e6b0d3", "Sites.FullControl.All", "Have full control of all site "
     "collections", "Allows the app to have full control of all site collections without a signed in user."),
)

# Built-in directory role templates used by Conditional Access `includeRoles` (tenant-independent ids).
ROLE_GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
ROLE_PRIVILEGED_ROLE_ADMINISTRATOR = "e8611ab8-c189-46e8-94e1-60213ab1f814"
ROLE_SECURITY_ADMINISTRATOR = "194ae4cb-b126-40b2-bd5b-6091b380977d"
ROLE_CONDITIONAL_ACCESS_ADMINISTRATOR = "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9"
ROLE_USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"

# authorizationPolicy.guestUserRoleId values (graph-entra.md §5).
GUEST_ROLE_USER = "a0b1b346-4d3e-4e8b-98f8-753987be4970"
GUEST_ROLE_GUEST = "10dae51f-b6af-4016-8d66-8c2a99b929b3"
GUEST_ROLE_RESTRICTED = "2af84b1e-32c8-42b7-82bc-daa82404023b"

# Microsoft 365 E3 licence SKU (assignedLicenses[].skuId).
SKU_M365_E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
