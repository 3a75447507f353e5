"""Tools for rule authors, not needed to check an enterprise.

Someone who edits the YAML rules (``rules/`` or their own directory) uses these to check their
work; a portal or a script that only evaluates profiles never imports them:

- :mod:`eligibility.authoring.lint`: the catalogue's lint (``eligibility rules lint``): unreachable
  conditions, thresholds no profile can meet, and so on.
- :mod:`eligibility.authoring.witness`: witnesses, profiles that make a support eligible or not,
  each confirmed by :func:`eligibility.evaluate`.
- :mod:`eligibility.authoring.strategies`: Hypothesis strategies for property tests (valid and
  malformed profile data, fact values biased toward the catalogue's thresholds); needs ``hypothesis``.
- :mod:`eligibility.authoring.cases`: the YAML case runner (``eligibility rules test CASES --rules DIR``).
"""
