"""A claim and a trailing denial of it in one sentence are two events (guideline: a denial is always
its own event)."""

import datetime as dt

from sitrep_extract.assemble import Mention, Span, assemble
from sitrep_extract.pipeline import split_denial
from sitrep_shared.models import Article

ACCUSED = "The United Nations accuses Rwanda of supplying weapons to M23, a charge Kigali denies."


def _mention(sentence: str, stance: str, *, at: int = 0) -> Mention:
    claimant = Span("claimant", at, at + sentence.index(" accuses"), sentence[: sentence.index(" accuses")])
    return Mention(type="arms_transfer", confidence=0.9, stance=stance, sentence_start=at,
                   sentence_end=at + len(sentence), sentence=sentence, spans=[claimant])


def test_a_trailing_denial_becomes_its_own_mention_with_the_denier_as_claimant() -> None:
    claim, denial = split_denial(_mention(ACCUSED, "reported", at=40))
    assert (claim.stance, claim.sentence, claim.first("claimant")) == ("reported", ACCUSED, "The United Nations")
    assert (denial.stance, denial.sentence, denial.first("claimant")) == ("denied", "a charge Kigali denies.", "Kigali")
    assert denial.sentence_start == 40 + ACCUSED.index("a charge") and denial.sentence_end == claim.sentence_end


def test_a_sentence_the_model_read_as_a_denial_keeps_the_claim_too() -> None:
    text = "Sudan accuses Chad of letting weapons reach the RSF through Amdjarass, which N'Djamena denies."
    claim, denial = split_denial(_mention(text, "denied"))
    assert (claim.stance, denial.stance, denial.first("claimant")) == ("asserted", "denied", "N'Djamena")


def test_other_sentences_are_one_mention() -> None:
    text = "Russia accuses Ukraine of shelling the town, and it said two people were hurt."
    assert split_denial(_mention(text, "asserted")) == [_mention(text, "asserted")]


def test_claim_and_denial_assemble_into_two_events_with_their_own_ids() -> None:
    article = Article(id="a_test", text=ACCUSED, published_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
                      ingested_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    events = assemble(article, split_denial(_mention(ACCUSED, "reported")))
    assert sorted(e.stance for e in events) == ["denied", "reported"]
    assert len({e.event_id for e in events}) == 2
    denial = next(e for e in events if e.stance == "denied")
    assert denial.claimant == "Kigali"
    assert ACCUSED[denial.evidence.start : denial.evidence.end] == denial.evidence.sentence
