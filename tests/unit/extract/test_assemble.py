import datetime as dt

from sitrep_extract.assemble import Mention, Span, assemble
from sitrep_shared.models import Article

TEXT = ("Russia's defence ministry said on Tuesday that air defences intercepted two drones above the Smolensk region. "
        "The ministry said the two drones were downed over Smolensk. "
        "A third drone was shot down near the Ruza district. "
        "Sign up for our morning newsletter.")


def _article(text: str = TEXT) -> Article:
    return Article(id="a_test", text=text, published_at=dt.datetime(2023, 9, 5, 9, tzinfo=dt.UTC),
                   ingested_at=dt.datetime(2023, 9, 5, 10, tzinfo=dt.UTC))


def _mention(text: str, sentence: str, *, roles: dict[str, list[str]], stance: str = "asserted",
             type_: str = "shootdown") -> Mention:
    start = text.index(sentence)
    spans = []
    for role, values in roles.items():
        for v in values:
            at = sentence.index(v)
            spans.append(Span(role, start + at, start + at + len(v), v))
    return Mention(type=type_, confidence=0.9, stance=stance, sentence_start=start,
                   sentence_end=start + len(sentence), sentence=sentence, spans=spans)


def _sentences(text: str) -> list[str]:
    """The sentences of a test text, each with its full stop."""
    return [part.rstrip(".") + "." for part in text.split(". ")]


def _mentions() -> list[Mention]:
    s1, s2, s3 = _sentences(TEXT)[:3]
    return [
        _mention(TEXT, s1, roles={"claimant": ["Russia's defence ministry"], "quantity": ["two"],
                                  "location": ["Smolensk"], "time": ["on Tuesday"], "object": ["drones"]}),
        _mention(TEXT, s2, roles={"quantity": ["two"], "location": ["Smolensk"]}),
        _mention(TEXT, s3, roles={"quantity": ["A third"], "location": ["Ruza"]}),
    ]


def test_assemble_merges_restatements_and_splits_places() -> None:
    events = assemble(_article(), _mentions())
    assert len(events) == 2
    smolensk, ruza = events
    assert smolensk.quantity is not None and smolensk.quantity.value == 2
    assert smolensk.evidence.sentence.startswith("Russia's defence ministry")
    assert [loc.country_code for loc in smolensk.locations] == ["RU"]
    assert smolensk.occurred_on.date == dt.date(2023, 9, 5) and smolensk.occurred_on.precision == "day"
    assert ruza.locations[0].name == "Ruza" and ruza.occurred_on.date is None  # no time: unresolved
    assert smolensk.codes.acled_sub_event_type == "Disrupted weapons use"
    assert "Smolensk" in smolensk.summary


def test_assemble_event_ids_are_deterministic() -> None:
    first = [e.event_id for e in assemble(_article(), _mentions())]
    again = [e.event_id for e in assemble(_article(), _mentions())]
    assert first == again and len(set(first)) == len(first)
    other = [e.event_id for e in assemble(_article().model_copy(update={"id": "a_other"}), _mentions())]
    assert not set(first) & set(other)


def test_assemble_denial_is_a_separate_event() -> None:
    text = "Kyiv said drones hit Romania. Romania's government denied its territory was hit."
    s1, s2 = "Kyiv said drones hit Romania.", "Romania's government denied its territory was hit."
    mentions = [
        _mention(text, s1, roles={"location": ["Romania"]}, type_="cross_border_incident"),
        _mention(text, s2, roles={"claimant": ["Romania's government"]}, type_="cross_border_incident",
                 stance="denied"),
    ]
    events = assemble(_article(text), mentions)
    assert sorted(e.stance for e in events) == ["asserted", "denied"]


def test_assemble_picks_the_number_that_fits_the_type() -> None:
    text = "Shelling killed four people and damaged 12 houses in Kharkiv."
    m = _mention(text, text, roles={"quantity": ["four", "12"], "location": ["Kharkiv"]}, type_="casualty_report")
    (event,) = assemble(_article(text), [m])
    assert event.quantity is not None and event.quantity.value == 4 and event.quantity.unit == "people"


def test_assemble_qualifier_from_text_before_number() -> None:
    text = "The brigade said it downed at least three drones."
    m = _mention(text, text, roles={"quantity": ["three"]})
    (event,) = assemble(_article(text), [m])
    assert event.quantity is not None and (event.quantity.value, event.quantity.qualifier) == (3, "at_least")


def test_assemble_nothing_in_nothing_out() -> None:
    assert assemble(_article(), []) == []


def test_assemble_drops_cross_border_fire_between_belligerents() -> None:
    text = ("Armenian units shelled Azerbaijani positions near Lachin, the ministry said. "
            "Drone debris was found near Galati in Romania, the Romanian ministry said.")
    belligerents, spillover = _sentences(text)
    events = assemble(_article(text), [
        _mention(text, belligerents, roles={"location": ["Lachin"]}, type_="cross_border_incident"),
        _mention(text, spillover, roles={"location": ["Galati", "Romania"]}, type_="cross_border_incident"),
    ])
    assert [[loc.country_code for loc in e.locations] for e in events] == [["RO", "RO"]]


def test_conflict_parties() -> None:
    from sitrep_extract.normalise.conflicts import between_parties

    assert between_parties(["AM", "AZ"]) and between_parties(["SD"]) and between_parties(["UA", None])
    assert not between_parties(["UA", "RO"]) and not between_parties(["PL"]) and not between_parties([None])


def test_assemble_merges_a_toll_with_its_part_in_the_same_place() -> None:
    text = ("Shelling killed 18 people in Kherson and Beryslav, regional officials said. "
            "One barrage on a market in Kherson killed 14 of them. "
            "Separately, 3 people were killed in Nikopol.")
    s1, s2, s3 = _sentences(text)
    mentions = [
        _mention(text, s1, roles={"quantity": ["18"], "location": ["Kherson", "Beryslav"]},
                 type_="casualty_report"),
        _mention(text, s2, roles={"quantity": ["14"], "location": ["Kherson"]}, type_="casualty_report"),
        _mention(text, s3, roles={"quantity": ["3"], "location": ["Nikopol"]}, type_="casualty_report"),
    ]
    for index, m in enumerate(mentions):
        m.index = index
    events = assemble(_article(text), mentions)
    assert [e.quantity.value for e in events if e.quantity] == [18, 3]


def test_assemble_keeps_spillover_when_the_sentence_names_a_non_party_state() -> None:
    text = "Moldova's government said no stray rocket from the fighting in Ukraine had landed on its soil."
    events = assemble(_article(text), [
        _mention(text, text, roles={"location": ["Ukraine"]}, type_="cross_border_incident", stance="denied"),
    ])
    assert [(e.type, e.stance) for e in events] == [("cross_border_incident", "denied")]


def test_assemble_merges_spillover_into_the_same_state() -> None:
    text = ("Fragments of a drone were found in Romania, opposite Izmail, the ministry said. "
            "Specialists later searched the area near Tulcea where the debris fell.")
    s1, s2 = _sentences(text)
    mentions = [
        _mention(text, s1, roles={"location": ["Romania", "Izmail"]}, type_="cross_border_incident"),
        _mention(text, s2, roles={"location": ["Tulcea"]}, type_="cross_border_incident"),
    ]
    events = assemble(_article(text), mentions)
    assert len(events) == 1 and {loc.country_code for loc in events[0].locations} >= {"RO"}


def test_gazetteer_bare_feature_word_is_no_town() -> None:
    from sitrep_extract.normalise.gazetteer import gazetteer

    assert gazetteer().resolve("Sea").precision == "unresolved"
    assert gazetteer().resolve("Port Sudan").country_code == "SD"


def test_assemble_names_the_affected_state_when_only_its_adjective_is_written() -> None:
    text = "Debris of a Russian drone fell on Moldovan territory near the village of Ceadir-Lunga overnight."
    events = assemble(_article(text), [
        _mention(text, text, roles={"location": ["Ceadir-Lunga"]}, type_="cross_border_incident"),
    ])
    assert [(loc.name, loc.country_code) for loc in events[0].locations][-1] == ("Moldova", "MD")


def test_assemble_adjectives_of_two_belligerents_are_no_spillover() -> None:
    text = "Ukrainian shells hit a Russian border village overnight, the governor said."
    events = assemble(_article(text), [_mention(text, text, roles={}, type_="cross_border_incident")])
    assert events == []


def test_assemble_reads_an_elliptical_count_and_keeps_an_added_one_apart() -> None:
    text = ("Officials said air defence crews downed three drones over the Bryansk region. "
            "The statement said crews also hit one near the town of Oryol before dawn. "
            "Another four were brought down over Tver.")
    s1, s2, s3 = _sentences(text)
    mentions = [
        _mention(text, s1, roles={"quantity": ["three"], "location": ["Bryansk"]}),
        _mention(text, s2, roles={"target": ["one"], "location": ["Oryol"]}),
        _mention(text, s3, roles={"quantity": ["four"], "location": ["Tver"]}),
    ]
    for m, i in zip(mentions, range(3), strict=True):
        m.index = i
    events = assemble(_article(text), mentions)
    assert [(e.locations[0].name, e.quantity.value if e.quantity else None) for e in events] == [
        ("Bryansk", 3), ("Oryol", 1), ("Tver", 4)]


def test_assemble_a_strike_takes_no_bare_number() -> None:
    text = "A missile struck the port, and two were killed."
    m = _mention(text, text, roles={"quantity": ["two"], "location": []}, type_="drone_or_missile_strike")
    assert assemble(_article(text), [m])[0].quantity is None


def test_assemble_names_the_actor_a_claimant_calls_it() -> None:
    text = "The Arakan Army said on Sunday it had seized Buthidaung. The governor said it struck a school."
    s1, s2 = _sentences(text)
    claim = _mention(text, s1, roles={"claimant": ["The Arakan Army"], "actor": ["it"], "location": ["Buthidaung"]},
                     type_="territorial_claim")
    strike = _mention(text, s2, roles={"claimant": ["The governor"], "actor": ["it"], "target": ["a school"]},
                      type_="drone_or_missile_strike")
    events = assemble(_article(text), [claim, strike])
    assert [(e.type, e.actor) for e in events] == [("territorial_claim", "The Arakan Army"),
                                                   ("drone_or_missile_strike", "it")]  # "it" may be the drone
    assert events[0].summary.count("Arakan Army") == 1  # the claimant is not repeated as the actor


def test_assemble_keeps_transfers_from_different_suppliers_apart() -> None:
    text = ("India agreed to buy 26 Rafale jets from France. "
            "The United States has offered to sell India more P-8I patrol aircraft. "
            "Deliveries of the jets to India are expected in 2028.")
    s1, s2, s3 = _sentences(text)
    mentions = [
        _mention(text, s1, roles={"actor": ["France"], "location": ["India"]}, type_="arms_transfer"),
        _mention(text, s2, roles={"actor": ["The United States"], "location": ["India"]}, type_="arms_transfer"),
        _mention(text, s3, roles={"location": ["India"]}, type_="arms_transfer"),  # no supplier: a restatement
    ]
    events = assemble(_article(text), mentions)
    assert [e.evidence.sentence for e in events] == [s1, s2]


def test_assemble_an_event_without_a_place_looks_beside_each_of_its_sentences() -> None:
    from dataclasses import replace

    text = ("A drone strike on a market killed seven people, officials said. The war has displaced millions. "
            "Rights groups condemned such attacks. The drone hit the market in Kassala on Monday. "
            "Seven people were killed, a local official said.")
    s0, _, _, _, s4 = _sentences(text)
    lede = _mention(text, s0, roles={"quantity": ["seven"]}, type_="casualty_report")
    later = replace(_mention(text, s4, roles={"quantity": ["Seven"]}, type_="casualty_report"), index=4)
    places = [[], [], [], ["Kassala"], []]

    events = assemble(_article(text), [lede, later], sentence_places=places)

    assert len(events) == 1  # one event told twice
    assert [loc.name for loc in events[0].locations] == ["Kassala"]  # from beside its second sentence
    alone = assemble(_article(text), [lede], sentence_places=places)
    assert alone[0].locations == []  # the lede's own neighbours name no place


def test_assemble_keeps_events_of_different_times_apart() -> None:
    text = ("Rebel fighters said they captured the town of Kalehe on Monday. "
            "The garrison had already abandoned the town in early August. "
            "The rebels said the town was taken on Sunday. "
            "The army said it had lost the town on Saturday.")
    s1, s2, s3, s4 = _sentences(text)
    events = assemble(_article(text), [
        _mention(text, s1, type_="territorial_claim", roles={"time": ["on Monday"], "location": ["Kalehe"]}),
        _mention(text, s2, type_="territorial_claim", roles={"time": ["in early August"]}),
        _mention(text, s3, type_="territorial_claim", roles={"time": ["on Sunday"]}),
        _mention(text, s4, type_="territorial_claim", roles={"time": ["on Saturday"]}),
    ])
    # Published Tuesday 5 September 2023: Monday is the 4th; early August a month before; Sunday a day
    # before Monday (a claim a day off may be the same capture); Saturday two days before: another event.
    assert [(e.evidence.sentence, e.occurred_on.date) for e in events] == [
        (s1, dt.date(2023, 9, 4)), (s2, dt.date(2023, 8, 1)), (s4, dt.date(2023, 9, 2))]
