"""Who is fighting whom, for the guideline "a cross-border incident is spillover into a state that
is not a party to the fighting": fire between belligerents across their own border is not one.

Each set is the states (ISO 3166-1 alpha-2) that are parties to one armed conflict the extractor
is meant for. A civil war is a set of one. The table is world knowledge, kept short on purpose:
an event in a state that is not listed is never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable

PARTIES: tuple[frozenset[str], ...] = (
    frozenset({"RU", "UA"}),  # Russia-Ukraine
    frozenset({"IL", "PS", "LB", "SY", "IR", "YE"}),  # Israel, Gaza, Hezbollah, Iran and its allies
    frozenset({"AM", "AZ"}),  # Armenia-Azerbaijan
    frozenset({"IN", "PK"}),  # India-Pakistan
    frozenset({"AF", "PK"}),  # Afghanistan-Pakistan border
    frozenset({"CD", "RW"}),  # eastern DR Congo (M23 and Rwanda)
    frozenset({"MM"}),  # Myanmar's civil war
    frozenset({"SD"}),  # Sudan's civil war
    frozenset({"ML"}), frozenset({"BF"}), frozenset({"NE"}),  # the Sahel insurgencies
    frozenset({"SO"}), frozenset({"ET"}), frozenset({"LY"}),
)


def between_parties(country_codes: Iterable[str | None]) -> bool:
    """True when every named state is a party to one and the same conflict (and at least one is named)."""
    codes = {c for c in country_codes if c}
    return bool(codes) and any(codes <= side for side in PARTIES)


_FIGHTING: frozenset[str] = frozenset().union(*PARTIES)


def non_parties(country_codes: Iterable[str | None]) -> set[str]:
    """The named states that are not a party to any conflict in the table (where spillover lands)."""
    return {c for c in country_codes if c and c not in _FIGHTING}
