"""What a plan covers: all objects, whole types (``--type``), object ids (``--id``, object id or appId),
or the objects whose files changed in a git range (``--scope-from A..B``).

:func:`scope_from_range` reads the range with GitPython (``git diff --name-status A B -- tenant-state/``):
files added in the range ask for a *create*, removed files for a *delete*, every other changed file for
the object it holds. Renames (a file moved between folders: never written by entragit) count as a removal
plus an addition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from entragit.errors import UsageError
from entragit.resources.base import ResourceType

STATE_DIR = "tenant-state"
SINGLETON = "*"  # the id of a singleton's file in Scope.objects (its file is named after its type)


@dataclass(frozen=True)
class Scope:
    """Filters combined with AND; ``None`` means "no filter"."""

    types: frozenset[str] | None = None
    ids: frozenset[str] | None = None  # object ids or alternate keys (appId)
    objects: frozenset[tuple[str, str]] | None = None  # (type key, id) from a git range
    added: frozenset[tuple[str, str]] = frozenset()  # files added in the range: created, not recreated
    removed: frozenset[tuple[str, str]] = frozenset()  # files removed in the range: delete asked for
    range: str | None = None

    @classmethod
    def of(cls, types: Iterable[str] | None = None, ids: Iterable[str] | None = None) -> Scope:
        types = list(types or ())
        ids = list(ids or ())
        return cls(types=frozenset(types) if types else None, ids=frozenset(ids) if ids else None)

    def covers(self, rt: ResourceType, obj_id: str, *objs: Mapping[str, Any]) -> bool:
        """Whether the object ``obj_id`` of ``rt`` (``objs``: its desired/live forms, for the appId) is in."""
        if self.types is not None and rt.key not in self.types:
            return False
        if self.ids is not None and obj_id not in self.ids:
            alts = {o.get(rt.alt_key) for o in objs} if rt.alt_key else set()
            if not alts & self.ids:
                return False
        if self.objects is not None:
            if (rt.key, obj_id) not in self.objects and not (rt.singleton and (rt.key, SINGLETON) in self.objects):
                return False
        return True

    def type_keys(self) -> set[str] | None:
        """The types the scope can touch (None: any)."""
        found: set[str] | None = set(self.types) if self.types is not None else None
        if self.objects is not None:
            in_range = {t for t, _ in self.objects}
            found = in_range if found is None else found & in_range
        return found

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.types is not None:
            out["types"] = sorted(self.types)
        if self.ids is not None:
            out["ids"] = sorted(self.ids)
        if self.range is not None:
            out["range"] = self.range
        if self.objects is not None:
            out["objects"] = len(self.objects)
        return out or {"all": True}


def check_ids(ids: Iterable[str], trees: Iterable[Mapping[str, Mapping[str, Mapping[str, Any]]]],
              option: str = "--id", *, known: bool = True) -> None:
    """``--id`` names objects of collection types: by object id, or by ``appId`` for the types with that
    alternate key (applications, service principals). A singleton has no id to give: its type key names it
    (``--type``), so its type key or object id is refused. With ``known``, an id no object of ``trees``
    (``{type key: {id: object}}``: desired, live, deleted) holds is refused too. UsageError (exit 2),
    naming the id."""
    from entragit import resources

    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return
    singletons = {rt.key: rt.key for rt in resources.all_types() if rt.singleton}
    seen: set[str] = set()
    for tree in trees:
        for key, objects in tree.items():
            rt = resources.get(key)
            for obj_id, obj in objects.items():
                if rt.singleton:
                    singletons[str(obj_id)] = key
                    continue
                seen.add(str(obj_id))
                if rt.alt_key and obj.get(rt.alt_key):
                    seen.add(str(obj[rt.alt_key]))
    for value in wanted:
        key = singletons.get(value)
        if key is not None:
            raise UsageError(f"{option} {value}: {key} is a singleton (one object per tenant): select it with "
                             f"--type {key}, not {option}")
    missing = [value for value in wanted if value not in seen] if known else []
    if missing:
        raise UsageError(f"{option} {missing[0]}: no object with this id (or appId)"
                         + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))


def parse_range(text: str) -> tuple[str, str]:
    """``A..B`` → ``(A, B)``; ``A`` alone → ``(A, HEAD)``. ``A...B`` is refused (not a diff of two trees)."""
    if "..." in text:
        raise UsageError(f"--scope-from {text!r}: use A..B (two dots)")
    if ".." in text:
        a, b = text.split("..", 1)
        if not a or not b:
            raise UsageError(f"--scope-from {text!r}: expected A..B")
        return a, b
    return text, "HEAD"


def changed_objects(repo: str | Path, rev_range: str, state_dir: str = STATE_DIR
                    ) -> tuple[set[tuple[str, str]], set[tuple[str, str]], set[tuple[str, str]]]:
    """``(changed, added, removed)`` objects ``(type key, id)`` whose files changed in ``rev_range``.

    Files outside ``<type>/<id>.yaml`` (schemas, README) are ignored; a singleton's file gives
    ``(type, "*")``.
    """
    from entragit.gitutil import git_result, oid

    repository, (a, b) = _repo_of(repo), range_commits(repo, rev_range)
    status, out, err = git_result(repository, "diff", "--name-status", "--no-renames", "-z", oid(a), oid(b), "--",
                                  state_dir)
    if status != 0:
        raise UsageError(f"--scope-from {rev_range!r}: {err.strip()}")
    changed: set[tuple[str, str]] = set()
    added: set[tuple[str, str]] = set()
    removed: set[tuple[str, str]] = set()
    fields = out.split("\0")
    for status, name in zip(fields[0::2], fields[1::2], strict=False):
        ident = object_of(name, state_dir)
        if ident is None:
            continue
        changed.add(ident)
        if status.startswith("A"):
            added.add(ident)
        elif status.startswith("D"):
            removed.add(ident)
    return changed, added, removed


def _repo_of(repo: str | Path) -> Any:
    from entragit.gitutil import open_repo

    try:
        return open_repo(repo)
    except UsageError:
        raise UsageError(f"{repo} is not a git repository (needed by --scope-from)") from None


def range_commits(repo: str | Path, rev_range: str) -> tuple[str, str]:
    """Both ends of ``A..B`` as verified commit shas (exit 2 naming --scope-from when one names no commit; a
    value git could read as an option never reaches it as one)."""
    from entragit.gitutil import verify_commit

    repository = _repo_of(repo)
    a, b = parse_range(rev_range)
    return (verify_commit(repository, a, f"--scope-from {rev_range!r}:"),
            verify_commit(repository, b, f"--scope-from {rev_range!r}:"))


def range_base(repo: str | Path, rev_range: str | None) -> str | None:
    """The base of what is applied, whose ``entragit.yaml`` gives the rails, the emergency-access accounts and
    the connection (never the change itself): ``A`` of ``--scope-from A..B``; without a range, the checked-out
    commit (so a working-tree edit of entragit.yaml is a proposal, not a setting); None outside git or before
    the first commit (the working tree's file then)."""
    if rev_range:
        return range_commits(repo, rev_range)[0]
    from entragit.gitutil import _rev, open_repo

    try:
        repository = open_repo(repo)
    except UsageError:
        return None
    return _rev(repository, "HEAD^{commit}")


def object_of(path: str, state_dir: str = STATE_DIR) -> tuple[str, str] | None:
    """``tenant-state/<type>/<id>.yaml`` → ``(type, id)`` (``(type, "*")`` for a singleton); else None."""
    from entragit import resources

    parts = PurePosixPath(path).parts
    if len(parts) != 3 or parts[0] != state_dir or not parts[2].endswith(".yaml"):
        return None
    type_key, stem = parts[1], parts[2][: -len(".yaml")]
    if type_key not in resources.REGISTRY:
        return None
    if resources.get(type_key).singleton:
        return type_key, SINGLETON
    return type_key, stem


def scope_from_range(repo: str | Path, rev_range: str, *, types: Iterable[str] | None = None,
                     ids: Iterable[str] | None = None, state_dir: str = STATE_DIR) -> Scope:
    """The scope of ``--scope-from A..B`` (optionally narrowed by types and ids). A file removed and one added
    that hold the same object but for its id are refused (exit 2: :func:`entragit.plan.lookalike.check_renamed_ids`)."""
    changed, added, removed = changed_objects(repo, rev_range, state_dir)
    if added and removed:
        from entragit.gitutil import read_blob
        from entragit.plan.lookalike import check_renamed_ids
        from entragit.state import parse_yaml

        repository, ends = _repo_of(repo), dict(zip(("old", "new"), range_commits(repo, rev_range), strict=True))

        def read(type_key: str, obj_id: str, side: str) -> Any:
            path = f"{state_dir}/{type_key}/{obj_id}.yaml"
            blob = read_blob(repository, ends[side], path)
            return None if blob is None else parse_yaml(blob.decode("utf-8", errors="replace"), path)

        check_renamed_ids(removed, added, read)
    base = Scope.of(types, ids)
    return Scope(types=base.types, ids=base.ids, objects=frozenset(changed), added=frozenset(added),
                 removed=frozenset(removed), range=rev_range)
