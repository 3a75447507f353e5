"""The bounds of what a support gives (a loan's cap), for the report.

A bound is information, never a condition: a founder asking 45万 under a 30万 cap is still
eligible and is told that the loan will be capped at 30万 (财金〔2023〕75号: "最高不超过…").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._catalogue import CatalogueView
from ._decision import display
from ._facts import FACTS, FactValue
from .report import LimitResult
from ._schema import Rule


def limit_results(rule: Rule, view: CatalogueView, facts: Mapping[str, FactValue] | None = None) -> list[LimitResult]:
    """Each limit of ``rule`` in force in ``view``; with ``facts``, the amount asked for and
    whether it is above the bound (the limit facts must be among them)."""
    out: list[LimitResult] = []
    for limit in rule.limits:
        value = view.values.get(limit.param)
        if value is None:  # no bound in force on this date: nothing to tell
            continue
        spec, maximum = FACTS[limit.fact], value.value
        requested = None if facts is None else facts[limit.fact].value
        out.append(
            LimitResult(
                parameter=limit.param,
                label=limit.label,
                maximum=display(spec, maximum),
                unit=view.catalogue.parameters[limit.param].unit,
                requested=display(spec, requested),
                capped=None if requested is None else requested > maximum,
            )
        )
    return out


def limit_facts(view: CatalogueView, only: Iterable[str] | None = None) -> list[str]:
    """The facts the limits of the rules in force read (the amounts asked for), or of ``only`` those rules."""
    rules = view.catalogue.rules
    return sorted({lim.fact for rid in (view.rule_ids if only is None else only) for lim in rules[rid].limits})
