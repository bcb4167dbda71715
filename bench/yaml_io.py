"""Canonical YAML speed: µs per typical user object for normalize, dump, load and the canonical check.

    .venv/bin/python bench/yaml_io.py [--objects 10000]

Target (issue 3): <= 250 µs CPU per object serialized (normalize + dump). Reference figures for
libyaml CSafeDumper/CSafeLoader on a 870-byte user: 193 / 226 µs (../shared/reference/performance.md B5).
Also times write_tree into a fresh tree, a second write_tree with nothing changed, and validate_tree.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import yaml

from entragit import resources
from entragit.state import (
    HAVE_LIBYAML,
    check_canonical,
    dump_yaml,
    normalize,
    parse_yaml,
    validate_tree,
    write_tree,
)


def graph_user(rng: random.Random, manager: str | None) -> dict[str, Any]:
    """A user as Graph returns it with a backup $select (about 30 keys, nested lists and dicts)."""
    first = rng.choice(["Adele", "Alex", "Diego", "Grady", "Henrietta", "Isaiah", "Johanna", "Lee", "Megan"])
    last = rng.choice(["Vance", "Wilber", "Siciliani", "Archie", "Mueller", "Langer", "Lidman", "Gu", "Bowen"])
    nick = f"{first}{last[0]}{rng.randrange(10000)}"
    uid = str(uuid.UUID(int=rng.getrandbits(128)))
    return {
        "@odata.etag": 'W/"1"',
        "id": uid,
        "createdDateTime": f"2022-0{rng.randrange(1, 10)}-1{rng.randrange(10)}T08:14:02Z",
        "accountEnabled": rng.random() > 0.05,
        "displayName": f"{first} {last}",
        "givenName": first,
        "surname": last,
        "userPrincipalName": f"{nick}@contoso.com",
        "mailNickname": nick,
        "mail": f"{nick}@contoso.com",
        "otherMails": [],
        "jobTitle": "Product Marketing Manager",
        "department": rng.choice(["Marketing", "Sales", "R&D", "Finance"]),
        "companyName": None,
        "officeLocation": f"{rng.randrange(1, 40)}/{rng.randrange(1000, 3000)}",
        "city": "Redmond",
        "country": "United States",
        "businessPhones": [f"+1 425 555 0{rng.randrange(100, 999)}"],
        "mobilePhone": None,
        "usageLocation": "US",
        "preferredLanguage": "en-US",
        "employeeId": str(rng.randrange(100000, 999999)),
        "employeeType": "Employee",
        "employeeHireDate": "2020-01-15T00:00:00Z",
        "employeeOrgData": {"division": "Sales", "costCenter": f"CC-{rng.randrange(1000, 9999)}"},
        "passwordPolicies": "None",
        "userType": "Member",
        "onPremisesSyncEnabled": None,
        "onPremisesImmutableId": None,
        "onPremisesLastSyncDateTime": None,
        "proxyAddresses": [f"smtp:{nick}@contoso.onmicrosoft.com", f"SMTP:{nick}@contoso.com"],
        "identities": [{"signInType": "userPrincipalName", "issuer": "contoso.com",
                        "issuerAssignedId": f"{nick}@contoso.com"}],
        "assignedLicenses": [{"disabledPlans": [], "skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df"}],
        "manager": manager,
    }


def per_object(label: str, seconds: float, n: int) -> None:
    print(f"  {label:<38} {seconds / n * 1e6:8.1f} µs/object")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objects", type=int, default=10_000)
    args = parser.parse_args()
    n = args.objects
    rt = resources.get("users")
    rng = random.Random(0)
    raw = [graph_user(rng, None) for _ in range(n)]

    print(f"canonical YAML, {n} users, libyaml: {HAVE_LIBYAML}")
    t0 = time.process_time()
    normalized = [normalize(rt, obj) for obj in raw]
    t1 = time.process_time()
    texts = [dump_yaml(rt, obj) for obj in normalized]
    t2 = time.process_time()
    loaded = [parse_yaml(text) for text in texts]
    t3 = time.process_time()
    for text in texts:
        check_canonical(rt, "bench.yaml", text)
    t4 = time.process_time()
    assert loaded == normalized
    # libyaml through PyYAML on the same objects, for scale (the machine's speed varies with its load)
    r0 = time.process_time()
    plain = [yaml.dump(obj, Dumper=yaml.CSafeDumper, sort_keys=True, allow_unicode=True) for obj in normalized]
    r1 = time.process_time()
    for text in plain:
        yaml.load(text, Loader=yaml.CSafeLoader)  # noqa: S506
    r2 = time.process_time()
    size = sum(len(t.encode()) for t in texts) / n
    print(f"  average file size                      {size:8.0f} bytes")
    per_object("normalize", t1 - t0, n)
    per_object("dump_yaml", t2 - t1, n)
    per_object("normalize + dump (target <= 250)", t2 - t0, n)
    per_object("load (parse_yaml)", t3 - t2, n)
    per_object("check_canonical (load+normalize+dump)", t4 - t3, n)
    per_object("reference: yaml.dump CSafeDumper", r1 - r0, n)
    per_object("reference: yaml.load CSafeLoader", r2 - r1, n)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "tenant-state"
        for durable in (False, True):
            if root.exists():
                shutil.rmtree(root)
            w0, c0 = time.perf_counter(), time.process_time()
            result = write_tree(root, {"users": normalized}, durable=durable)
            w1, c1 = time.perf_counter(), time.process_time()
            print(f"  write_tree fresh (durable={durable!s:<5})        {(w1 - w0) / n * 1e6:8.1f} µs/object wall, "
                  f"{(c1 - c0) / n * 1e6:.1f} CPU ({result.summary()})")
        w0, c0 = time.perf_counter(), time.process_time()
        result = write_tree(root, {"users": normalized})
        w1, c1 = time.perf_counter(), time.process_time()
        print(f"  write_tree unchanged                   {(w1 - w0) / n * 1e6:8.1f} µs/object wall, "
              f"{(c1 - c0) / n * 1e6:.1f} CPU ({result.summary()})")
        v0 = time.perf_counter()
        problems = validate_tree(root)
        v1 = time.perf_counter()
        print(f"  validate_tree                          {(v1 - v0) / n * 1e6:8.1f} µs/object wall "
              f"({len(problems)} problems)")


if __name__ == "__main__":
    main()
