from sitrep_extract.pipeline import carried, decode_bio, exclusive
from sitrep_extract.places import add_gazetteer_places, dateline_end, tidy


def _texts(text: str, spans: list[tuple[str, int, int]]) -> list[tuple[str, str]]:
    return [(role, text[s:e]) for role, s, e in spans]


def _located(text: str, *written: str) -> list[tuple[str, int, int]]:
    return [("location", text.index(w), text.index(w) + len(w)) for w in written]


def test_places_dateline_is_skipped() -> None:
    text = "MOSCOW, May 14 (Example Wire) - Air defences downed drones over Kursk."
    assert text[dateline_end(text) :].startswith("Air defences")
    assert dateline_end("The U.S. said on Monday") == 0
    spans = tidy(text, [("location", 0, 6), ("location", text.index("Kursk"), text.index("Kursk") + 5)])
    assert _texts(text, spans) == [("location", "Kursk")]


def test_places_fragments_of_one_name_are_joined() -> None:
    text = "Ships were attacked near Bab el-Mandeb on Friday."
    a = text.index("Bab")
    spans = tidy(text, [("location", a, a + 3), ("location", a + 7, a + 13)])
    assert _texts(text, spans) == [("location", "Bab el-Mandeb")]


def test_places_possessive_inside_a_known_name_is_joined() -> None:
    text = "Shells hit the Donetsk People's Republic, Moscow's Vnukovo closed and Yemen's Dhamar was hit."
    d, r, m, v, y, h = (text.index(w) for w in ("Donetsk", "Republic", "Moscow", "Vnukovo", "Yemen", "Dhamar"))
    spans = tidy(text, [("location", d, d + 14), ("location", r, r + 8), ("location", m, m + 6),
                        ("location", v, v + 7), ("location", y, y + 5), ("location", h, h + 6)])
    # Joined only when the whole is a known place and the part after "'s" is not one by itself:
    # an owner and its airport or province stay two places.
    assert _texts(text, spans) == [("location", "Donetsk People's Republic"), ("location", "Moscow"),
                                   ("location", "Vnukovo"), ("location", "Yemen"), ("location", "Dhamar")]


def test_places_lose_an_owners_s_and_a_generic_noun_after_it() -> None:
    text = "Mortars fell near Mogadishu's airport, Ukraine\u2019s air force said, and Russia's Black Sea fleet moved."
    spans = _located(text, "Mogadishu's airport", "Ukraine\u2019s", "Russia's Black Sea")
    assert _texts(text, tidy(text, spans)) == [("location", "Mogadishu"), ("location", "Ukraine"),
                                               ("location", "Russia's Black Sea")]


def test_places_keep_the_name_after_port_of_or_village_of() -> None:
    text = "Drones hit the Baltic port of Ust-Luga, the village of Robotyne and the Gulf of Aden."
    spans = _located(text, "Baltic port of Ust-Luga", "village of Robotyne", "Gulf of Aden")
    assert _texts(text, tidy(text, spans)) == [("location", "Ust-Luga"), ("location", "Robotyne"),
                                               ("location", "Gulf of Aden")]


def test_places_cut_after_a_particle_listed_together_or_only_a_compass_word() -> None:
    def tidied(text: str, written: str) -> list[str]:
        at = text.index(written)
        return [text[s:e] for _, s, e in tidy(text, [("location", at, at + len(written))])]

    assert tidied("Medical sources in El Fasher said", "El") == ["El Fasher"]
    assert tidied("Chopin, Modlin, Rzeszów and Lublin airports closed", "Modlin, Rzeszów") == ["Modlin", "Rzeszów"]
    assert tidied("Shells hit Kharkiv, Ukraine, on Monday", "Kharkiv, Ukraine") == ["Kharkiv", "Ukraine"]
    # "D.C" alone is no place, so the span stays whole.
    assert tidied("Talks in Washington, D.C. ended", "Washington, D.C") == ["Washington, D.C"]
    assert tidied("A station in Northern state was hit", "Northern") == []


def test_places_non_places_are_dropped() -> None:
    text = "Ukrainian forces mined coltan near Rubaya."
    spans = tidy(text, [("location", 0, 9), ("location", 23, 29), ("location", 35, 41)])
    assert _texts(text, spans) == [("location", "Rubaya")]


def test_places_gazetteer_adds_known_places_after_a_locative() -> None:
    text = "Rebels fired missiles at a tanker in the Red Sea and at targets near Hodeidah, officials in Aden said."
    spans = add_gazetteer_places(text, [])
    assert [t for _, t in _texts(text, spans)] == ["Red Sea", "Hodeidah", "Aden"]


def test_places_a_kind_of_place_names_a_place_the_gazetteer_does_not_know() -> None:
    text = "Debris fell on a house in the village of Hrabivka in the Kharkiv region and on the district of Nor Sevan."
    assert [t for _, t in _texts(text, add_gazetteer_places(text, []))] == ["Hrabivka", "Kharkiv", "Nor Sevan"]
    tagged = [("location", text.index("Hrabivka"), text.index("Hrabivka") + len("Hrabivka"))]
    assert [t for _, t in _texts(text, add_gazetteer_places(text, tagged))].count("Hrabivka") == 1
    lower = "They met in the city of peace talks, as the town of residence was closed."
    assert add_gazetteer_places(lower, []) == []


def test_places_a_known_place_tagged_only_as_the_target_is_also_the_location() -> None:
    text = "Israeli strike on Rafah kills dozens, officials say."
    rafah = (text.index("Rafah"), text.index("Rafah") + len("Rafah"))
    spans = add_gazetteer_places(text, [("target", *rafah)])
    assert ("location", *rafah) in spans and ("target", *rafah) in spans
    ship = "Rebels hit the Galaxy Leader off Yemen."
    yemen = ship.index("Yemen")
    assert add_gazetteer_places(ship, [("target", 15, 28)]) == [("target", 15, 28), ("location", yemen, yemen + 5)]
    launched = "They shot down Ukraine-launched drones."
    assert add_gazetteer_places(launched, [("target", 15, 22)]) == [("target", 15, 22)]
    other = "Drones hit Kherson and a power station near Odesa."
    tagged = [("target", 11, 18), ("location", 44, 49)]
    assert add_gazetteer_places(other, tagged) == tagged  # a sentence with a place keeps its target a target


def test_places_a_state_or_republic_of_names_a_place() -> None:
    text = "Troops took the village of Novyi Dvir in the popular republic of Donetsk and the province of Idlib."
    assert [t for _, t in _texts(text, add_gazetteer_places(text, []))] == ["Novyi Dvir", "Donetsk", "Idlib"]
    assert add_gazetteer_places("Leaders declared a state of emergency.", []) == []


def test_places_a_foiled_drone_attack_is_the_shootdown_alone() -> None:
    strike = {"drone_or_missile_strike": ("asserted", 0.8)}
    foiled = "An attempt by the rebels to attack the refinery with six drones was thwarted, the governor said."
    assert exclusive(foiled, strike) == {"shootdown": ("asserted", 0.8)}
    both = {**strike, "shootdown": ("asserted", 0.9)}
    assert exclusive(foiled, both) == {"shootdown": ("asserted", 0.9)}
    landed = "Attempts to hit the base with missiles were foiled, though debris fell on a warehouse."
    assert exclusive(landed, strike) == strike  # something still came down: the strike stays
    border = "An attempt by saboteurs to cross the border was repelled."
    assert exclusive(border, strike) == strike  # nothing airborne: not a shootdown


def test_places_a_ship_that_was_only_hit_is_no_equipment_loss() -> None:
    both = {"equipment_loss": ("asserted", 0.9), "drone_or_missile_strike": ("asserted", 0.9)}
    hit = "Rebels said a missile hit a Panama-flagged cargo ship in the Gulf of Aden."
    assert exclusive(hit, both) == {"drone_or_missile_strike": ("asserted", 0.9)}
    sank = "The landing ship sank after being hit by two sea drones."
    assert exclusive(sank, both) == both


def test_places_decode_bio_spans() -> None:
    from sitrep_extract.model import BIO

    labels = [0, BIO.index("B-location"), BIO.index("I-location"), 0, BIO.index("I-quantity")]
    offsets = [(0, 0), (0, 3), (4, 9), (10, 12), (13, 16)]
    assert decode_bio(labels, offsets) == [("location", 0, 9), ("quantity", 13, 16)]


def test_places_drone_losses_are_shootdowns() -> None:
    got = exclusive("Forces destroyed 38 drones over Crimea.", {"equipment_loss": ("asserted", 0.9)})
    assert got == {"shootdown": ("asserted", 0.9)}
    tanks = exclusive("Forces destroyed two tanks and a drone.", {"equipment_loss": ("asserted", 0.9)})
    assert "equipment_loss" in tanks
    spelled = exclusive("Air defence systems destroyed 12 unmanned aerial vehicles overnight.",
                        {"equipment_loss": ("asserted", 0.9)})
    assert spelled == {"shootdown": ("asserted", 0.9)}  # "aerial vehicles" are drones, not vehicles


def test_places_casualty_reports_need_killed_or_injured() -> None:
    fled = "The fighting forced 20,000 people to flee their homes."
    displaced = exclusive(fled, {"casualty_report": ("asserted", 0.7)})
    assert displaced == {}
    killed = exclusive("Shelling killed four people.", {"casualty_report": ("asserted", 0.9)})
    assert "casualty_report" in killed


def test_places_interception_alone_is_no_strike() -> None:
    both = {"shootdown": ("asserted", 0.9), "drone_or_missile_strike": ("asserted", 0.6)}
    assert set(exclusive("Air defences destroyed two drones over Kursk.", both)) == {"shootdown"}
    assert set(exclusive("Russia launched 40 drones; 30 were shot down.", both)) == set(both)


def test_tidy_gives_a_sea_its_whole_name() -> None:
    text = "Ships were hit in the Red Sea and off the Black Sea coast."
    red, sea = text.index("Red"), text.index("Sea coast")
    spans = tidy(text, [("location", red, red + 3), ("location", sea, sea + 3)])
    assert [text[s:e] for _, s, e in spans] == ["Red Sea", "Black Sea"]


def test_a_weak_type_is_carried_only_by_a_sentence_that_continues_the_one_before() -> None:
    weak = {"shootdown": ("asserted", 0.9), "equipment_loss": ("asserted", 0.8)}
    follow_up = "It added that they also brought down one more over the district."
    assert carried(follow_up, weak, {"shootdown"}) == {"shootdown": ("asserted", 0.9)}
    assert carried(follow_up, weak, set()) == {}
    assert carried("They brought down one over the district.", weak, {"shootdown"}) == {}


def test_exclusive_knows_more_equipment_than_armour() -> None:
    for text in ("Drones destroyed a Buk-M2 air defence system near Donetsk.",
                 "The radars were destroyed, but nobody was hurt.",
                 "Jets struck the port, destroying two cranes and a tugboat."):
        assert "equipment_loss" in exclusive(text, {"equipment_loss": ("asserted", 0.9)}), text


def test_exclusive_interceptor_systems_are_no_lost_equipment() -> None:
    got = exclusive("The Arrow air defence systems intercepted two missiles.", {"equipment_loss": ("asserted", 0.9)})
    assert set(got) == {"shootdown"}


def test_exclusive_aircraft_destroyed_on_the_ground_are_equipment() -> None:
    on_ground = exclusive("Drones hit the Belbek airfield, destroying two Su-27 fighters on the ground.",
                          {"equipment_loss": ("asserted", 0.9)})
    assert set(on_ground) == {"equipment_loss"}
    at_airport = exclusive("Warplanes struck the city's airport, destroying four cargo planes.",
                           {"equipment_loss": ("asserted", 0.9)})
    assert set(at_airport) == {"equipment_loss"}
    in_the_air = exclusive("Air defences destroyed two fighter jets over the city.",
                           {"equipment_loss": ("asserted", 0.9)})
    assert set(in_the_air) == {"shootdown"}
