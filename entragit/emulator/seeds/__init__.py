"""Seed tenants for the emulator: the data every test, the demo and the benchmarks run on.

A *seed* is a plain dict in the agreed format (see the team brief), holding full Graph JSON objects as
Graph returns them, read-only properties included::

    {"tenantId", "organization", "authorizationPolicy", "authenticationMethodsPolicy",
     "authenticationStrengthPolicies", "namedLocations", "conditionalAccessPolicies",
     "users" (+ "manager"), "groups" (+ "members", "owners"), "applications" (+ "owners",
     "federatedIdentityCredentials"), "servicePrincipals" (+ "owners"), "appRoleAssignments",
     "oauth2PermissionGrants", "directoryExtensions"}

- :func:`empty_seed` what every real tenant has and nothing else;
- :func:`demo_seed` the small "Contoso" tenant a user can explore (facts in :data:`DEMO_FACTS`);
- :func:`scale_seed` a deterministic generator for benchmarks (100k users in a few seconds);
- :func:`load_seed_file` / :func:`get_seed` seeds from JSON/YAML files and by name;
- :func:`check_seed` the consistency checker (every reference resolves, ids unique).

Every seed is deterministic: ids are uuid5 of a fixed namespace and a name (or, in the scale generator,
GUID-shaped counters), timestamps are fixed, so the same call always yields the same tenant. Each call
returns fresh dicts: callers (the emulator backend) may mutate them freely.
"""

from __future__ import annotations

from entragit.emulator.seeds.checks import check_seed
from entragit.emulator.seeds.common import (
    BUILTIN_STRENGTH_MFA,
    BUILTIN_STRENGTH_PASSWORDLESS,
    BUILTIN_STRENGTH_PHISHING_RESISTANT,
    SEED_KEYS,
    TENANT_ID,
    ZERO_GUID,
    Seed,
)
from entragit.emulator.seeds.demo import demo_seed
from entragit.emulator.seeds.demo_directory import DEMO_DIRECTORY, DemoDirectory
from entragit.emulator.seeds.demo_facts import DEMO_FACTS, DemoFacts
from entragit.emulator.seeds.empty import empty_seed
from entragit.emulator.seeds.loading import SEED_NAMES, get_seed, load_seed_file, seed_from_mapping
from entragit.emulator.seeds.scale import scale_seed

__all__ = [
    "BUILTIN_STRENGTH_MFA", "BUILTIN_STRENGTH_PASSWORDLESS", "BUILTIN_STRENGTH_PHISHING_RESISTANT", "DEMO_DIRECTORY",
    "DEMO_FACTS", "DemoDirectory",
    "SEED_KEYS", "SEED_NAMES", "TENANT_ID", "ZERO_GUID", "DemoFacts", "Seed", "check_seed", "demo_seed",
    "empty_seed", "get_seed", "load_seed_file", "scale_seed", "seed_from_mapping",
]
