from sitrep_extract.normalise.sentences import split_sentences


def test_sentences_offsets_point_into_text() -> None:
    text = "Headline here\nBy A. Writer\nDr. Smith said two drones fell. Officials in the U.S. agreed.  Another one."
    sents = split_sentences(text)
    for s in sents:
        assert text[s.start : s.end] == s.text
    assert [s.text for s in sents][:3] == ["Headline here", "By A. Writer", "Dr. Smith said two drones fell."]
    assert sents[-1].text == "Another one."


def test_sentences_abbreviations_do_not_split() -> None:
    sents = split_sentences("The U.S. sent 31 Abrams tanks to Ukraine. Germany sent more.")
    assert len(sents) == 2
