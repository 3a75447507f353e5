"""Random and malformed inputs give clear validation errors, never a crash or a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from eligibility import ProfileError, RuleError, evaluate, load_catalogue, parse_profile
from eligibility.authoring.lint import lint

from conftest import AS_OF, RULES
from strategies import CATALOGUE, data_with_unknown_field, malformed_data, unbiased_data

RULE_FILES = sorted(p.relative_to(RULES).as_posix() for p in RULES.rglob("*.yaml"))


@given(unbiased_data)
def test_a_random_valid_profile_is_accepted_and_evaluated(data):
    """Every profile the model-derived strategy makes validates and gets a report."""
    evaluate(parse_profile(data), as_of=AS_OF, catalogue=CATALOGUE)


@given(data_with_unknown_field)
def test_an_unknown_field_is_refused_naming_its_path(case):
    """A field the profile does not have is a ProfileError naming exactly that field."""
    data, path = case
    with pytest.raises(ProfileError) as exc:
        parse_profile(data)
    assert path in [p.location for p in exc.value.problems]


@given(malformed_data)
def test_malformed_profile_data_gives_a_profile_error_or_a_profile(data):
    """Anything JSON-like is either a valid profile or a ProfileError, never another exception."""
    try:
        profile = parse_profile(data)
    except ProfileError as exc:
        assert exc.problems or exc.summary
        return
    evaluate(profile, as_of=AS_OF, catalogue=CATALOGUE)


# --- Rule files ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("fuzz") / "rules"
    shutil.copytree(RULES, target)
    return target


_scalar = st.none() | st.booleans() | st.integers(-5, 10**6) | st.text(max_size=8) | st.floats(allow_nan=False)
_value = st.recursive(_scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


@st.composite
def mutated_rule_file(draw):
    """(file name, new text): a rule file with one key deleted, one value replaced, or garbage."""
    name = draw(st.sampled_from(RULE_FILES))
    original = (RULES / name).read_text(encoding="utf-8")
    how = draw(st.sampled_from(["delete", "replace", "garbage", "truncate"]))
    if how == "garbage":
        return name, draw(st.text(max_size=80))
    if how == "truncate":
        return name, original[: draw(st.integers(0, len(original)))]
    data = yaml.safe_load(original)
    paths = [p for p in _paths(data) if p]
    path = draw(st.sampled_from(paths))
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    if how == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(_value)
    return name, yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@given(mutated_rule_file())
def test_a_mutated_rule_file_gives_a_rule_error_with_file_or_loads(scratch, case):
    """A broken rule file is a RuleError whose problems name a file; never another exception."""
    name, text = case
    target = scratch / name
    try:
        target.write_text(text, encoding="utf-8")
        try:
            load_catalogue(scratch)
        except RuleError as exc:
            assert exc.problems and all(p.location for p in exc.problems)
        report = lint(scratch)
        assert all(f.file for f in report.findings)
    finally:
        shutil.copy(RULES / name, target)


@given(st.binary(max_size=40))
def test_a_rule_file_that_is_not_text_is_a_rule_error(scratch, blob):
    """Bytes that are not UTF-8 (or not YAML) are a RuleError naming the file, not a crash."""
    target = scratch / "supports" / "returnee_entrepreneurship.yaml"
    try:
        target.write_bytes(blob)
        with pytest.raises(RuleError) as exc:
            load_catalogue(scratch)
        assert any(p.location == "supports/returnee_entrepreneurship.yaml" for p in exc.value.problems)
    finally:
        shutil.copy(RULES / "supports" / "returnee_entrepreneurship.yaml", target)
