import pytest

from sitrep_extract.normalise.gazetteer import Gazetteer, gazetteer


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return gazetteer()


@pytest.mark.parametrize(
    ("name", "country", "precision"),
    [("the Kaluga region", "RU", "region"), ("Tver", "RU", "city"), ("the Donetsk region", "UA", "region"),
     ("Crimea", "UA", "region"), ("the Crimean peninsula", "UA", "region"), ("Romania", "RO", "country"),
     ("the United States", "US", "country"), ("Kharkiv", "UA", "city"), ("Gaza", "PS", "city"),
     ("North Darfur", "SD", "region"), ("Moscow's", "RU", "city")],
)
def test_gazetteer_resolves(gaz: Gazetteer, name: str, country: str, precision: str) -> None:
    loc = gaz.resolve(name)
    assert (loc.country_code, loc.precision) == (country, precision)
    assert loc.lat is not None and loc.lon is not None
    assert loc.name == name


def test_gazetteer_district_uses_town_with_region_precision(gaz: Gazetteer) -> None:
    istra = gaz.resolve_all(["the Istra district"], context=["Kaluga", "Tver"])[0]
    assert istra.country_code == "RU" and istra.precision == "region" and istra.region == "Moscow"


def test_gazetteer_ambiguous_name_follows_article_context(gaz: Gazetteer) -> None:
    lebanon = gaz.resolve_all(["Tripoli", "Beirut"])[0]
    assert lebanon.country_code == "LB"
    libya = gaz.resolve_all(["Tripoli", "Benghazi"])[0]
    assert libya.country_code == "LY"


def test_gazetteer_ambiguous_name_without_context_takes_exact_name_then_population(gaz: Gazetteer) -> None:
    assert gaz.resolve("Istra").country_code == "RU"  # the French town only has it as an alternate name
    assert gaz.resolve("Paris").country_code == "FR"


def test_gazetteer_unknown_is_unresolved(gaz: Gazetteer) -> None:
    loc = gaz.resolve("the eastern front")
    assert loc.precision == "unresolved" and loc.country_code is None


def test_gazetteer_seas_have_coordinates_but_no_country(gaz: Gazetteer) -> None:
    loc = gaz.resolve("the Black Sea")
    assert loc.country_code is None and loc.lat is not None and loc.precision == "region"


def test_country_mentions_reads_adjectives_only_when_asked() -> None:
    gaz = gazetteer()
    text = "A Russian drone entered Polish airspace, Romania's ministry said."
    assert gaz.country_mentions(text) == {"RO": "Romania"}
    assert gaz.country_mentions(text, adjectives=True) == {"RO": "Romania", "RU": "Russia", "PL": "Poland"}
