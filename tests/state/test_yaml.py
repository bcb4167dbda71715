"""Canonical YAML text: dump_yaml / load_yaml / check_canonical."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from entragit import resources
from entragit.errors import ValidationError
from entragit.state import check_canonical, dump_yaml, load_yaml, normalize, parse_yaml, schema_line
from entragit.state.yamlio import HAVE_LIBYAML, CanonicalLoader, _fast_body, _fast_load, dump_body
from entragit.yamlsafe import UnsafeYaml
from tests.state import examples as ex

# Strings that each trip some rule of YAML: indicators, implicit types of YAML 1.1 (bool, int incl.
# sexagesimal, float, null, timestamp, merge, value), document markers, quotes, breaks, exotic
# characters, leading/trailing spaces.
AWKWARD = [
    "", " ", "  ", "-", "- a", "-a", "--", "---", "--- x", "...", "....", "?", "? x", "?x", ":", ": x", ":x",
    "a:", "a: b", "a:b", "a #b", "a#b", "#x", "x #", "true", "True", "TRUE", "yes", "No", "on", "Off", "y", "n",
    "null", "Null", "~", "NULL", "1", "-1", "+1", "0", "007", "0x1f", "0o17", "0b101", "1_000", "1.5", ".5",
    "1e3", "1.0e+3", ".inf", "-.Inf", ".NaN", "12:30:00", "190:20:30", "2024-01-01", "2024-01-01T00:00:00Z",
    "2021-11-02T14:17:09.1686157Z", "2024-1-1 1:00:00", "=", "<<", "+1 425 555 0109", "@odata.type",
    "#microsoft.graph.user", "a'b", "'", "''", '"q"', "%x", "`x`", "!tag", "&a", "*a", "|", ">", "a|b", "x,y",
    "[x]", "{x}", "a]", "a}", "a\tb", "\t", "a\nb", "a\n", "\n", "a\n\n", "\na", " a\nb", "a \nb", "a\r\nb",
    " a", "a ", "a  b", "Zoë Müller", "中文", "emoji 😀", "nbsp\u00a0x", "\u2028", "a\u2029b", "\x85", "\ufeff",
    "\x7f", "\x00", "\x1b[0m", "x" * 300, "https://hr.contoso.com/signin-oidc", "api://631a96bc-a705",
    "User.Read Group.Read.All", "S-1-12-1-3005149714", "CC-1042", "R&D", "18/2111", "a=b", "~x",
]


def _both(obj: object) -> tuple[str | None, str]:
    return _fast_body(obj), dump_body(obj)


@pytest.mark.parametrize(("key", "obj"), ex.all_examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_round_trip_load_of_dump_is_normalize(key: str, obj: dict, tmp_path: Path) -> None:
    rt = resources.get(key)
    text = dump_yaml(rt, normalize(rt, obj))
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_yaml(path) == normalize(rt, obj)
    assert check_canonical(rt, path, text) == normalize(rt, obj)


def test_text_starts_with_the_schema_line_and_ends_with_a_newline() -> None:
    rt = resources.get("users")
    text = dump_yaml(rt, normalize(rt, ex.user()))
    assert text.startswith("# yaml-language-server: $schema=../../schemas/users.schema.json\n")
    assert text == schema_line(rt) + text.split("\n", 1)[1]
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_keys_sorted_block_style_and_no_document_markers() -> None:
    rt = resources.get("conditionalAccessPolicies")
    text = dump_yaml(rt, normalize(rt, ex.conditional_access_policy()))
    top = [line.split(":")[0] for line in text.splitlines()[1:] if line and not line.startswith((" ", "-"))]
    assert top == sorted(top)
    nested = [line.strip().split(":")[0] for line in text.splitlines() if line.startswith("    ") and ":" in line]
    assert nested  # nested mappings are written as blocks, not flow
    assert "{" not in text.replace("{}", "") and "---" not in text and "\n..." not in text


def test_timestamps_stay_strings_both_ways(tmp_path: Path) -> None:
    rt = resources.get("users")
    text = dump_yaml(rt, normalize(rt, ex.user()))
    assert "createdDateTime: '2022-05-10T08:14:02Z'" in text  # quoted: no YAML tool reads a datetime
    # an unquoted timestamp written by hand is still a string for entragit
    path = tmp_path / "t.yaml"
    path.write_text("id: x\ncreatedDateTime: 2022-05-10T08:14:02Z\nday: 2024-01-01\n", encoding="utf-8")
    assert load_yaml(path) == {"id": "x", "createdDateTime": "2022-05-10T08:14:02Z", "day": "2024-01-01"}


def test_strings_that_look_like_other_types_keep_their_type() -> None:
    rt = resources.get("users")
    obj = {"id": "1", **{f"k{i:03}": s for i, s in enumerate(AWKWARD)},
           "n": 7, "neg": -3, "big": 10**20, "t": True, "f": False, "z": None, "fl": 1.5, "e": 1e17,
           "l": AWKWARD, "nested": {"l": [[], {}, [AWKWARD[:5]], {"a": [{}]}]}}
    text = dump_yaml(rt, obj)
    back = parse_yaml(text)
    assert back == obj
    assert all(type(back[k]) is type(v) for k, v in obj.items())


@pytest.mark.parametrize("value", AWKWARD, ids=repr)
def test_fast_path_writes_exactly_what_the_dumper_writes(value: str) -> None:
    for obj in ({"k": value}, {value: 1} if len(value) < 200 else {"k": 1}, {"l": [value, {"m": value}]},
                {"a": {"b": [[value], {value: [value]}]}}):
        fast, reference = _both(obj)
        if fast is not None:
            assert fast == reference
        assert yaml.load(reference, Loader=yaml.SafeLoader) is not None
        assert parse_yaml(dump_yaml(resources.get("users"), obj)) == obj


def test_fast_path_covers_graph_objects_and_matches_on_generated_shapes() -> None:
    for key, obj in ex.all_examples():
        norm = normalize(resources.get(key), obj)
        fast, reference = _both(norm)
        assert fast == reference, key  # Graph examples never need the slow path
    rng = random.Random(1)
    leaves = [*AWKWARD, 0, -5, 2**40, True, False, None]

    def build(depth: int) -> object:
        roll = rng.random()
        if depth > 3 or roll < 0.4:
            return rng.choice(leaves)
        if roll < 0.7:
            return [build(depth + 1) for _ in range(rng.randrange(0, 4))]
        return {rng.choice(AWKWARD[:60]) + str(rng.randrange(3)): build(depth + 1) for _ in range(rng.randrange(0, 4))}

    fast_count = 0
    for _ in range(600):
        obj = {"id": "x", "v": build(0)}
        fast, reference = _both(obj)
        if fast is not None:
            fast_count += 1
            assert fast == reference
        assert parse_yaml(dump_yaml(resources.get("users"), obj)) == obj
    assert fast_count > 100


def test_multiline_strings_are_literal_blocks_and_round_trip() -> None:
    rt = resources.get("groups")
    rule = '(user.department -eq "Sales")\n-or (user.department -eq "Marketing")\n'
    text = dump_yaml(rt, {"id": "g", "membershipRule": rule, "crlf": "a\r\nb"})
    assert "membershipRule: |\n  (user.department" in text
    assert parse_yaml(text) == {"id": "g", "membershipRule": rule, "crlf": "a\r\nb"}


def test_no_aliases_for_shared_values_and_no_folding_of_long_lines() -> None:
    rt = resources.get("users")
    shared = ["a", "b"]
    long = "x " * 400
    text = dump_yaml(rt, {"id": "1", "p": shared, "q": shared, "d": {"s": shared}, "long": long.strip()})
    assert "&" not in text and "*" not in text
    assert f"long: {long.strip()}\n" in text
    text = dump_yaml(rt, {"id": "1", "p": {"x": [1.5]}, "q": {"x": [1.5]}, "multi\nkey": 2.0})  # slow path
    assert "&" not in text and "*id" not in text


def test_unicode_written_as_is() -> None:
    rt = resources.get("users")
    text = dump_yaml(rt, {"id": "1", "displayName": "Zoë Müller 中文"})
    assert "displayName: Zoë Müller 中文\n" in text


def test_loader_refuses_duplicate_keys_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "users" / "1.yaml"
    path.parent.mkdir()
    path.write_text("id: '1'\ndisplayName: a\ndisplayName: b\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"1\.yaml.*duplicate key 'displayName'"):
        load_yaml(path)


def test_loader_errors_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nlist: [a, b\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"bad\.yaml: invalid YAML \(line 3"):
        load_yaml(path)
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"bad\.yaml: expected a mapping"):
        load_yaml(path)
    path.write_bytes(b"id: \xff\n")
    with pytest.raises(ValidationError, match="not UTF-8"):
        load_yaml(path)


def test_check_canonical_rejects_non_canonical_text_naming_file_object_property() -> None:
    rt = resources.get("applications")
    good = dump_yaml(rt, normalize(rt, ex.application()))
    check_canonical(rt, "applications/a.yaml", good)
    obj_id = ex.application()["id"]

    no_header = good.split("\n", 1)[1]
    with pytest.raises(ValidationError, match=rf"file applications/a\.yaml, object {obj_id}: not in canonical form at line 1"):
        check_canonical(rt, "applications/a.yaml", no_header)

    unsorted = good.replace("- api://631a96bc-a705-4eda-9f99-fdaf9f54f6a2\n- https://hr.contoso.com/api\n",
                            "- https://hr.contoso.com/api\n- api://631a96bc-a705-4eda-9f99-fdaf9f54f6a2\n")
    assert unsorted != good
    with pytest.raises(ValidationError, match="property identifierUris"):
        check_canonical(rt, "applications/a.yaml", unsorted)

    lines = good.splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if line.startswith("appId: "))
    assert lines[i + 1].startswith("appRoles:")
    j = next(n for n, line in enumerate(lines) if line.startswith("createdDateTime: "))
    lines[i], lines[j] = lines[j], lines[i]  # two top-level keys out of order
    with pytest.raises(ValidationError, match=f"not in canonical form at line {i + 1}"):
        check_canonical(rt, "applications/a.yaml", "".join(lines))

    double_quoted = good.replace("displayName: Contoso HR API", 'displayName: "Contoso HR API"')
    with pytest.raises(ValidationError, match="not in canonical form"):
        check_canonical(rt, "applications/a.yaml", double_quoted)

    with_volatile = good + "lastModifiedDateTime: '2024-01-01T00:00:00Z'\n"
    rt_ca = resources.get("conditionalAccessPolicies")
    ca = dump_yaml(rt_ca, normalize(rt_ca, ex.conditional_access_policy()))
    with pytest.raises(ValidationError, match="property modifiedDateTime"):
        check_canonical(rt_ca, "ca.yaml", ca + "modifiedDateTime: '2024-01-01T00:00:00Z'\n")
    assert with_volatile  # (applications declare no lastModifiedDateTime: kept as unknown, but unsorted)
    with pytest.raises(ValidationError):
        check_canonical(rt, "applications/a.yaml", with_volatile)


def test_libyaml_is_used_here() -> None:
    # the canonical bytes are defined by libyaml's emitter; CI and developers must have it
    assert HAVE_LIBYAML


# ---------------------------------------------------------------------------------------------- fast load
def _reference_load(text: str) -> object:
    try:
        return ("ok", yaml.load(text, Loader=CanonicalLoader))  # noqa: S506
    except yaml.YAMLError:
        return ("error", None)


def _parse(text: str) -> object:
    try:
        return ("ok", parse_yaml(text))
    except UnsafeYaml:
        return ("refused", None)
    except ValidationError as exc:
        return ("error", None) if "invalid YAML" in str(exc) or "expected a mapping" in str(exc) else ("?", exc)


def test_canonical_files_load_through_the_fast_parser() -> None:
    for key, obj in ex.all_examples():
        rt = resources.get(key)
        text = dump_yaml(rt, normalize(rt, obj))
        assert _fast_load(text) == normalize(rt, obj), key


def test_fast_parser_agrees_with_libyaml_on_mutated_texts() -> None:
    """Differential test: hand edits of canonical files (characters YAML cares about inserted, deleted or
    replaced anywhere) load exactly as CanonicalLoader loads them, or fail as it fails."""
    rng = random.Random(7)
    texts = [dump_yaml(resources.get(k), normalize(resources.get(k), o)) for k, o in ex.all_examples()]
    texts.append(dump_yaml(resources.get("users"), {"id": "1", "v": AWKWARD, "m": {s: s for s in AWKWARD[:40]}}))
    alphabet = list(" -:#'\"\n\t{}[],&*!|>%@`?~.0123456789aeflnrstuyTN") + ["  ", "\r\n", ": ", " #", "- "]
    fast_hits = 0
    for _ in range(3000):
        text = rng.choice(texts)
        for _edit in range(rng.randrange(1, 3)):
            pos = rng.randrange(len(text) + 1)
            roll = rng.random()
            if roll < 0.4:
                text = text[:pos] + rng.choice(alphabet) + text[pos:]
            elif roll < 0.7:
                text = text[:pos] + text[pos + 1:]
            else:
                text = text[:pos] + rng.choice(alphabet) + text[pos + 1:]
        reference = _reference_load(text)
        if reference[0] == "ok" and not isinstance(reference[1], dict):
            continue  # not a mapping: parse_yaml refuses it, checked elsewhere
        parsed = _parse(text)
        if parsed[0] == "refused":  # an anchor, alias or tag: refused by design (entragit.yamlsafe)
            assert any(isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None) or getattr(e, "tag", None)
                       for e in yaml.parse(text, Loader=yaml.CSafeLoader)), text
            continue
        assert parsed == reference, text
        fast_hits += _fast_load(text) is not None
    assert fast_hits > 300  # many edits keep a canonical shape (e.g. a changed value) and stay fast


def test_fast_parser_hands_unusual_texts_to_libyaml() -> None:
    for text in [
        "id: x\n# a comment\nname: y\n",
        "id: x\nname:   y\n",
        "id: x\nname: y # trailing comment\n",
        "id: x\nlist:\n  - a\n  - b\n",
        'id: "x"\n',
        "id: x\nname: y",  # no final newline
        "id: x\r\nname: y\r\n",
        "\ufeffid: x\n",
        "id: x\nn: 007\nb: yes\nf: 1.5\nt: 2024-01-01T00:00:00Z\n",
        "---\nid: x\n",
        "id: x\nb: name\n  continued\n",
        "id: x\nid: y\n",
    ]:
        assert _fast_load(text) is None, text
        assert _parse(text) == _reference_load(text) or "duplicate" in str(_parse(text)[1]), text
    # an anchor and alias: libyaml would load it, entragit refuses it (entragit.yamlsafe)
    text = "id: x\nanchor: &a [1]\nalias: *a\n"
    assert _fast_load(text) is None and _reference_load(text)[0] == "ok" and _parse(text) == ("refused", None)
