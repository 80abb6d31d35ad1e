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


def test_headline_line_is_recognised() -> None:
    import datetime as dt

    from sitrep_extract.normalise.sentences import split_sentences
    from sitrep_extract.pipeline import _is_headline
    from sitrep_shared.models import Article

    text = "Drones downed over Kursk\nAir defences downed five drones over Kursk overnight, officials said."
    article = Article(id="a_h", title="Drones downed over Kursk", text=text,
                      ingested_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    first, second = split_sentences(text)
    assert _is_headline(first, article) and not _is_headline(second, article)
    assert not _is_headline(first, article.model_copy(update={"title": None}))
