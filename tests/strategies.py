"""Hypothesis strategies shared by the property tests, bound to the bundled catalogue and AS_OF.

They come from the public :mod:`eligibility.authoring.strategies`; this module only fixes the date
and the catalogue so the tests read short.
"""

from __future__ import annotations

from hypothesis import strategies as st

from eligibility import load_catalogue
from eligibility.authoring.strategies import (
    fact_values,
    malformed_profile_data,
    profile_data,
    profile_data_with_unknown_field,
)

from conftest import AS_OF, RULES

CATALOGUE = load_catalogue(RULES)

facts = fact_values(CATALOGUE, AS_OF)
"""Values of every fact the bundled catalogue reads, unknowns included."""
valid_data = profile_data(as_of=AS_OF, catalogue=CATALOGUE)
"""Valid profile data, biased toward the catalogue's thresholds."""
unbiased_data = profile_data(as_of=AS_OF)
"""Valid profile data, uniformly random within the model's constraints."""
data_with_unknown_field = profile_data_with_unknown_field(as_of=AS_OF)
malformed_data = malformed_profile_data(as_of=AS_OF)
seeds = st.integers(0, 2**32 - 1)
