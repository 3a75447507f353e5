"""The catalogue cache: a later run takes the validated catalogue, and each view's compiled engine
ruleset, from disk, and only when nothing it depends on changed; anything wrong with the cache
falls back to the rule files (and to compiling)."""

from __future__ import annotations

import os
import pickle
import shutil
from datetime import date
from pathlib import Path

import pytest

from eligibility import RuleError
from eligibility import _catalogue_cache
from eligibility._catalogue import Catalogue
from eligibility._catalogue_cache import cache_dir, load_with_cache, ruleset_with_cache
from eligibility._compiler import compile_view, engine_facts
from eligibility._engine import EngineRuleset
from eligibility._loader import _load
from eligibility._profile_io import load_profile

from conftest import AS_OF, EXAMPLES, RULES


class CountingLoad:
    """The loader, counting how often the rule files are really read."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, root: Path):
        self.calls += 1
        return _load(root)


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    return copy.resolve()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("ELIGIBILITY_CACHE_DIR", str(where))
    return where


def _files(cache: Path) -> list[Path]:
    return sorted(cache.glob("catalogue-*.pickle"))


def test_a_second_load_comes_from_the_cache_and_equals_the_first(rules, cache):
    load = CountingLoad()
    first = load_with_cache(rules, load)
    second = load_with_cache(rules, load)
    assert load.calls == 1 and len(_files(cache)) == 1
    assert second is not first
    assert second.rules == first.rules and second.parameters == first.parameters and second.sources == first.sources
    assert (second.fingerprint, second.source, second.info) == (first.fingerprint, first.source, first.info)
    assert second.at(AS_OF).key == first.at(AS_OF).key


def test_locations_survive_the_cache(rules, cache):
    """Problems point at file and line through ids of the loaded objects: they must point at the same places."""
    load = CountingLoad()
    first = load_with_cache(rules, load)
    second = load_with_cache(rules, load)
    for rid, rule in first.rules.items():
        assert second.locate(second.rules[rid]) == first.locate(rule)
    for pid, param in first.parameters.items():
        assert second.locate(second.parameters[pid]) == first.locate(param)
        for mine, theirs in zip(second.parameters[pid].values, param.values):
            assert second.locate(mine) == first.locate(theirs)
    assert len(second.where) == len(first.where)


def test_a_changed_rule_file_is_read_again(rules, cache):
    load = CountingLoad()
    before = load_with_cache(rules, load)
    path = next((rules / "supports").glob("*.yaml"))
    path.write_text(path.read_text(encoding="utf-8") + "\n# 改过\n", encoding="utf-8")
    after = load_with_cache(rules, load)
    assert load.calls == 2
    assert after.fingerprint != before.fingerprint
    assert len(_files(cache)) == 1  # one file per rules directory, rewritten


def test_invalid_rules_are_never_cached(rules, cache):
    path = next((rules / "supports").glob("*.yaml"))
    path.write_text(path.read_text(encoding="utf-8") + "\nunknown_key: 1\n", encoding="utf-8")
    load = CountingLoad()
    for _ in range(2):
        with pytest.raises(RuleError):
            load_with_cache(rules, load)
    assert load.calls == 2 and _files(cache) == []


def test_a_corrupted_cache_file_is_ignored_and_rewritten(rules, cache):
    load = CountingLoad()
    load_with_cache(rules, load)
    [path] = _files(cache)
    path.write_bytes(path.read_bytes()[:1000])
    again = load_with_cache(rules, load)
    assert load.calls == 2 and again.rules
    load_with_cache(rules, load)
    assert load.calls == 2  # the rewritten file is read


def test_a_cache_file_others_may_write_is_not_read(rules, cache):
    load = CountingLoad()
    load_with_cache(rules, load)
    [path] = _files(cache)
    path.chmod(0o666)
    load_with_cache(rules, load)
    assert load.calls == 2


def test_an_unwritable_cache_directory_only_costs_the_cache(rules, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("ELIGIBILITY_CACHE_DIR", str(blocker / "cache"))
    load = CountingLoad()
    assert load_with_cache(rules, load).rules
    assert load_with_cache(rules, load).rules
    assert load.calls == 2


def test_an_empty_cache_directory_setting_turns_the_cache_off(rules, monkeypatch):
    monkeypatch.setenv("ELIGIBILITY_CACHE_DIR", "")
    assert cache_dir() is None
    load = CountingLoad()
    load_with_cache(rules, load)
    load_with_cache(rules, load)
    assert load.calls == 2


def test_the_default_cache_directory_is_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("ELIGIBILITY_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "eligibility"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path(os.path.expanduser("~")) / ".cache" / "eligibility"


def test_a_change_of_the_package_code_changes_the_key(rules, tmp_path, monkeypatch):
    code = tmp_path / "package"
    shutil.copytree(Path(_catalogue_cache.__file__).parent, code, ignore=shutil.ignore_patterns("__pycache__", "web"))
    monkeypatch.setattr(_catalogue_cache, "_PACKAGE_DIR", code)
    before = _catalogue_cache._key(rules)
    assert _catalogue_cache._key(rules) == before
    module = code / "_facts.py"
    module.write_text(module.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert _catalogue_cache._key(rules) != before


class CountingCompile:
    """A view's engine ruleset, counting how often it is really compiled."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, view):
        self.calls += 1
        return EngineRuleset(compile_view(view))


def _views(cache: Path) -> list[Path]:
    return sorted(cache.glob("views-*.pickle"))


def test_a_views_ruleset_comes_from_the_cache_and_decides_as_the_compiled_one(rules, cache):
    view = load_with_cache(rules, _load).at(AS_OF)
    make = CountingCompile()
    first = ruleset_with_cache(view, make)
    second = ruleset_with_cache(view, make)
    assert make.calls == 1 and len(_views(cache)) == 1
    assert second is not first and second.compiled == first.compiled and second.part_count == first.part_count
    for example in sorted(EXAMPLES.glob("*.json")):
        facts = engine_facts(load_profile(example), first.compiled, view.day, view.values)
        assert second.run(facts) == first.run(facts), example.name


def test_a_changed_rule_file_compiles_the_view_again(rules, cache):
    make = CountingCompile()
    ruleset_with_cache(load_with_cache(rules, _load).at(AS_OF), make)
    path = next((rules / "supports").glob("*.yaml"))
    path.write_text(path.read_text(encoding="utf-8") + "\n# 改过\n", encoding="utf-8")
    ruleset_with_cache(load_with_cache(rules, _load).at(AS_OF), make)
    assert make.calls == 2


def test_a_change_of_the_package_code_compiles_the_view_again(rules, cache, tmp_path, monkeypatch):
    view = load_with_cache(rules, _load).at(AS_OF)
    code = tmp_path / "package"
    shutil.copytree(Path(_catalogue_cache.__file__).parent, code, ignore=shutil.ignore_patterns("__pycache__", "web"))
    monkeypatch.setattr(_catalogue_cache, "_PACKAGE_DIR", code)
    make = CountingCompile()
    ruleset_with_cache(view, make)
    module = code / "_compiler.py"
    module.write_text(module.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    ruleset_with_cache(view, make)
    assert make.calls == 2 and len(_views(cache)) == 1  # one file per rules directory, rewritten


def test_the_views_of_other_days_are_kept_beside_each_other(rules, cache):
    catalogue = load_with_cache(rules, _load)
    days = [date(2022, 6, 1), date(2024, 6, 1), AS_OF]
    assert len({catalogue.at(day).key for day in days}) == 3  # other rules in force
    make = CountingCompile()
    for _ in range(2):
        for day in days:
            ruleset_with_cache(catalogue.at(day), make)
    assert make.calls == 3 and len(_views(cache)) == 1


@pytest.mark.parametrize("spoil", ["truncated", "writable by others"])
def test_a_spoilt_view_file_is_not_used_and_is_rewritten(rules, cache, spoil):
    view = load_with_cache(rules, _load).at(AS_OF)
    make = CountingCompile()
    ruleset_with_cache(view, make)
    [path] = _views(cache)
    if spoil == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    else:
        path.chmod(0o666)
    assert ruleset_with_cache(view, make).compiled.definition
    assert make.calls == 2
    ruleset_with_cache(view, make)
    assert make.calls == 2  # the rewritten file is read


def test_a_catalogue_not_loaded_from_a_directory_keeps_no_view_on_disk(rules, cache):
    loaded = load_with_cache(rules, _load)
    made = Catalogue(loaded.info, loaded.rules, loaded.parameters, loaded.sources, fingerprint=loaded.fingerprint)
    make = CountingCompile()
    ruleset_with_cache(made.at(AS_OF), make)
    ruleset_with_cache(made.at(AS_OF), make)
    assert make.calls == 2 and _views(cache) == []


def test_a_ruleset_that_has_evaluated_profiles_pickles_and_decides_alike(rules):
    """A compiled view keeps how its facts are computed for the engine once worked out (functions
    of this process); it is pickled without it, and the copy works it out again."""
    view = _load(rules).at(AS_OF)
    ruleset = EngineRuleset(compile_view(view))
    examples = sorted(EXAMPLES.glob("*.json"))
    facts = [engine_facts(load_profile(example), ruleset.compiled, view.day, view.values) for example in examples]
    copy = pickle.loads(pickle.dumps(ruleset))
    for example, known in zip(examples, facts, strict=True):
        assert engine_facts(load_profile(example), copy.compiled, view.day, view.values) == known, example.name
        assert copy.run(known) == ruleset.run(known), example.name
