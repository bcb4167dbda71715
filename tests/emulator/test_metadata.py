"""The emulator's own facts agree with Graph's v1.0 metadata: every path addresses its entity type, every
property a fact names exists (in v1.0, or as a listed beta-only property), every link is a navigation property,
and every fact cites Microsoft Learn."""

from __future__ import annotations

import pytest

from entragit.emulator.facts import BETA_PROPERTIES, REGISTRY, EntitySet
from entragit.emulator.metadata import model

SETS = list(REGISTRY)
PROPERTY_FACTS = ("read_only", "create_only", "required", "write_only", "patch_alone", "on_premises",
                  "not_in_lists", "select_only")


def _properties(s: EntitySet) -> set[str]:
    names = set(model().require(s.entity).properties)
    for _, own in s.subtypes:
        names.update(own)
    return names | set(BETA_PROPERTIES.get(s.entity, {}))


@pytest.mark.parametrize("s", SETS, ids=lambda s: s.key)
def test_each_entity_set_path_addresses_its_entity_type(s: EntitySet) -> None:
    addressed = model().resolve_path(s.collection)
    assert addressed is not None and addressed.name == s.entity
    assert s.source.startswith("https://learn.microsoft.com/")


@pytest.mark.parametrize("s", SETS, ids=lambda s: s.key)
def test_each_property_a_fact_names_exists_in_the_metadata(s: EntitySet) -> None:
    known = _properties(s)
    named = {(fact, name) for fact in PROPERTY_FACTS for name in getattr(s, fact)}
    named |= {("create_defaults", name) for name, _ in s.create_defaults}
    named |= {("actions", name) for name, _ in s.actions}
    named |= {("refs", ref.path.split(".")[0].removesuffix("[]")) for ref in s.refs}
    assert sorted(n for n in named if n[1] not in known) == []


@pytest.mark.parametrize("s", SETS, ids=lambda s: s.key)
def test_each_link_is_a_navigation_property_with_a_learn_source(s: EntitySet) -> None:
    entity = model().require(s.entity)
    for link in s.links:
        prop = entity.properties.get(link.name)
        assert prop is not None and prop.navigation, link.name
        assert link.source.startswith("https://learn.microsoft.com/"), link.name


def test_beta_only_properties_are_absent_from_v1() -> None:
    for entity, props in BETA_PROPERTIES.items():
        present = set(props) & set(model().require(entity).properties)
        assert not present, f"{entity}: {sorted(present)} are in v1.0 now; drop them from BETA_PROPERTIES"
        assert all(url.startswith("https://learn.microsoft.com/") and "graph-rest-beta" in url for url in props.values())


def test_polymorphic_sets_take_their_derived_types_from_the_metadata() -> None:
    locations = REGISTRY["namedLocations"]
    subtypes = dict(locations.subtypes)
    assert set(subtypes) == {"#microsoft.graph.ipNamedLocation", "#microsoft.graph.countryNamedLocation"}
    assert set(subtypes["#microsoft.graph.ipNamedLocation"]) == {"ipRanges", "isTrusted"}
    assert "countriesAndRegions" in subtypes["#microsoft.graph.countryNamedLocation"]


def test_the_model_reads_aliases_abstract_types_enums_and_open_types() -> None:
    m = model()
    assert m.qualify("#graph.group") == "microsoft.graph.group" == m.qualify("microsoft.graph.group")
    ranges = m.require("graph.ipRange")
    assert ranges.abstract and "microsoft.graph.iPv4CidrRange" in m.descendants(ranges.name)
    assert m.is_a("microsoft.graph.agentUser", "microsoft.graph.directoryObject")
    platforms = m.enum("microsoft.graph.conditionalAccessDevicePlatform")
    assert platforms is not None and "linux" in platforms.evolvable and "android" not in platforms.evolvable
    flags = m.enum("microsoft.graph.authenticationMethodModes")
    assert flags is not None and flags.flags
    key = m.require("microsoft.graph.keyCredential").properties["key"]
    assert (key.type, key.collection, key.nullable) == ("Edm.Binary", False, True)
    credentials = m.require("microsoft.graph.application").properties["keyCredentials"]
    assert credentials.collection and not credentials.navigation
    assert m.require("microsoft.graph.user").open and not m.require("microsoft.graph.keyCredential").open
