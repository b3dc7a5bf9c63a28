"""Short country names answered without pycountry's fuzzy search get the fuzzy search's own answer."""

from __future__ import annotations

import pycountry
import pytest

from computegov.clusters.table import FUZZY_ANSWERS, _countries, _norm, country_code
from computegov.errors import InputError


@pytest.mark.parametrize("name", sorted(FUZZY_ANSWERS))
def test_each_remembered_answer_is_the_fuzzy_searchs_only_answer(name: str) -> None:
    assert _norm(name) not in _countries()  # else the ISO names answer first and the entry is dead
    found = pycountry.countries.search_fuzzy(name)
    assert [c.alpha_2 for c in found] == [FUZZY_ANSWERS[name]]


@pytest.mark.parametrize("spelling", ["Russia", " russia ", "RUSSIA", "UAE", "Brunei", "Palestine"])
def test_spellings_of_remembered_names_resolve_as_the_search_does(spelling: str) -> None:
    found = pycountry.countries.search_fuzzy(spelling.strip())
    assert len(found) == 1
    assert country_code(spelling) == found[0].alpha_2


def test_only_names_not_remembered_go_to_the_fuzzy_search(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    search = pycountry.countries.search_fuzzy

    def spy(query: str) -> list:
        asked.append(query)
        return search(query)

    monkeypatch.setattr(pycountry.countries, "search_fuzzy", spy)
    country_code.cache_clear()
    try:
        assert country_code("Russia") == "RU" and asked == []
        with pytest.raises(InputError, match="country"):
            country_code("Atlantis of the North")
        assert asked == ["Atlantis of the North"]
    finally:
        country_code.cache_clear()
