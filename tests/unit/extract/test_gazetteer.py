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


def test_gazetteer_context_does_not_pull_a_capital_to_a_small_namesake(gaz: Gazetteer) -> None:
    moscow, _ = gaz.resolve_all(["Moscow", "Washington"])
    assert moscow.country_code == "RU"  # not Moscow, Idaho
    assert gaz.resolve_all(["Cairo", "Alaska", "Washington"])[0].country_code == "EG"
    # Comparable namesakes still follow the article: Victoria in Romania, not the Seychelles' capital.
    assert gaz.resolve_all(["Victoria", "Galati", "Braila"])[0].country_code == "RO"


def test_gazetteer_ambiguous_name_without_context_takes_exact_name_then_population(gaz: Gazetteer) -> None:
    assert gaz.resolve("Istra").country_code == "RU"  # the French town only has it as an alternate name
    assert gaz.resolve("Paris").country_code == "FR"


def test_gazetteer_unknown_is_unresolved(gaz: Gazetteer) -> None:
    loc = gaz.resolve("the eastern front")
    assert loc.precision == "unresolved" and loc.country_code is None


def test_unknown_village_is_placed_in_the_region_named_with_it(gaz: Gazetteer) -> None:
    village, region = gaz.resolve_all(["Hrabivka", "the Kharkiv region"])
    assert (village.country_code, village.precision, village.gazetteer_id) == ("UA", "region", None)
    assert (village.lat, village.lon) == (region.lat, region.lon) and village.name == "Hrabivka"


def test_unknown_village_takes_the_country_of_the_article_only_when_it_is_clear(gaz: Gazetteer) -> None:
    clear = gaz.resolve_all(["Hrabivka"], context=["Kharkiv", "Sumy", "Poltava"])[0]
    assert (clear.country_code, clear.precision) == ("UA", "country") and clear.lat is not None
    mixed = gaz.resolve_all(["Hrabivka"], context=["Kharkiv", "Belgorod"])[0]
    assert mixed.precision == "unresolved" and mixed.country_code is None
    two_states = gaz.resolve_all(["Hrabivka", "Romania", "Ukraine"])[0]
    assert two_states.precision == "unresolved"


def test_unknown_words_that_are_no_proper_name_stay_unresolved(gaz: Gazetteer) -> None:
    for name in ("RSF shelling", "Abu Shouk displacement", "the eastern front"):
        loc = gaz.resolve_all([name], context=["Khartoum", "Omdurman", "Port Sudan"])[0]
        assert loc.precision == "unresolved", name


def test_gazetteer_seas_have_coordinates_but_no_country(gaz: Gazetteer) -> None:
    loc = gaz.resolve("the Black Sea")
    assert loc.country_code is None and loc.lat is not None and loc.precision == "region"


def test_country_mentions_reads_adjectives_only_when_asked() -> None:
    gaz = gazetteer()
    text = "A Russian drone entered Polish airspace, Romania's ministry said."
    assert gaz.country_mentions(text) == {"RO": "Romania"}
    assert gaz.country_mentions(text, adjectives=True) == {"RO": "Romania", "RU": "Russia", "PL": "Poland"}


@pytest.mark.parametrize(
    ("name", "country", "icao"),
    [("Ben Gurion", "IL", "LLBG"), ("Ben Gurion airport", "IL", "LLBG"), ("Warsaw Chopin", "PL", "EPWA"),
     ("Lengpui airport", "IN", "VELP"), ("Toussaint Louverture International", "HT", "MTPP")],
)
def test_gazetteer_finds_airports_by_their_own_names(gaz: Gazetteer, name: str, country: str, icao: str) -> None:
    loc = gaz.resolve(name)
    assert (loc.country_code, loc.gazetteer_id, loc.precision) == (country, f"icao:{icao}", "point")


def test_gazetteer_prefers_a_town_to_an_airport_of_the_same_name(gaz: Gazetteer) -> None:
    assert gaz.resolve("Kharkiv airport").gazetteer_id.startswith("geonames:")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "country", "precision"),
    [("the Chechen Republic", "RU", "region"), ("Karen State", "MM", "region"),
     ("Donetsk People's Republic", "UA", "region"), ("Sevastopol harbour", "UA", "city"),
     ("the Karabakh front line", "AZ", "region"), ("northern Syria", "SY", "country"),
     ("Pakistan-administered Kashmir", "PK", "region"), ("Al-Jazirah", "SD", "region")],
)
def test_gazetteer_reads_region_names_and_trailing_nouns(gaz: Gazetteer, name: str, country: str,
                                                         precision: str) -> None:
    loc = gaz.resolve(name)
    assert (loc.country_code, loc.precision) == (country, precision) and loc.lat is not None


def test_gazetteer_strait_and_words_that_are_no_place(gaz: Gazetteer) -> None:
    strait = gaz.resolve("the Bab el-Mandeb strait")
    assert strait.country_code is None and strait.lat is not None
    for word in ("Lufthansa", "RSF", "Sea"):
        assert gaz.resolve(word).precision == "unresolved"


def test_gazetteer_reads_a_place_named_with_its_owner(gaz: Gazetteer) -> None:
    assert gaz.resolve("Myanmar's Chin").country_code == "MM"
    assert gaz.resolve("Moscow's Vnukovo").country_code == "RU"
    assert gaz.resolve("U.S.").country_code == "US"


def test_gazetteer_reads_a_state_space_named_by_its_adjective(gaz: Gazetteer) -> None:
    assert [gaz.resolve(n).country_code for n in ("Polish airspace", "the Moldovan territory", "Turkish waters")] \
        == ["PL", "MD", "TR"]
    assert gaz.resolve("Polish airspace").precision == "country"
    # The adjective alone, or with another noun, is no place.
    assert gaz.resolve("Ukrainian").country_code is None
    assert gaz.resolve("Russian forces").country_code is None


def test_gazetteer_country_names_with_a_region_word_and_air_bases(gaz: Gazetteer) -> None:
    assert gaz.resolve("the Dominican Republic").country_code == "DO"
    assert gaz.resolve("Central African Republic").precision == "country"
    base = gaz.resolve("Ramstein Air Base")
    assert (base.country_code, base.gazetteer_id) == ("DE", "icao:ETAR")
    # An air base is not a civil airport that shares a word of its name: better unresolved than wrong.
    assert gaz.resolve("Clark Air Base").country_code is None


def test_gazetteer_finds_villages_under_5000_people(gaz: Gazetteer) -> None:
    dvorichna = gaz.resolve("Dvorichna")
    assert (dvorichna.country_code, dvorichna.region, dvorichna.precision) == ("UA", "Kharkiv", "city")
    assert dvorichna.gazetteer_id == "geonames:709399"
    assert gaz.resolve("Metula").country_code == "IL"
    # A village never takes a name from a larger place ("Kyiv" villages exist; the capital keeps it).
    assert gaz.resolve("Kyiv").gazetteer_id == "geonames:703448"
    # GeoNames spells the soft sign with an apostrophe ("Ust'-Luga"); news copy does not.
    assert gaz.resolve("Ust-Luga").country_code == "RU"


def test_gazetteer_us_states_are_regions_unless_the_name_is_taken(gaz: Gazetteer) -> None:
    alaska = gaz.resolve("Alaska")  # not the Philippine village of that name
    assert (alaska.country_code, alaska.precision, alaska.region) == ("US", "region", "Alaska")
    assert gaz.resolve("Georgia").country_code == "GE"
    assert gaz.resolve("New York").precision == "city"
    assert gaz.resolve("Anchorage").region == "Alaska"  # a US city is labelled with its state
