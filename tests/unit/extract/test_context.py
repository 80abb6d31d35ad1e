"""Sentence context: the type head of a context model reads the sentences just before and after,
within one article only."""

import pytest
import torch

from sitrep_extract.model import ModelConfig, build_model, neighbours
from sitrep_extract.pipeline import MiniLMExtractor
from sitrep_extract.train import examples_from
from sitrep_shared.models import Article

pytestmark = pytest.mark.slow


def _record(aid: str, split: str, sentences: list[str]) -> dict:
    text, spans = "", []
    for s in sentences:
        spans.append({"start": len(text), "end": len(text) + len(s)})
        text += s + " "
    return {"id": aid, "split": split, "text": text, "sentences": spans, "events": []}


def test_neighbours_gives_zero_rows_for_missing_sentences() -> None:
    pooled = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    got = neighbours(pooled, torch.tensor([1, -1, 0]))
    assert got.tolist() == [[3.0, 4.0], [0.0, 0.0], [1.0, 2.0]]


def test_examples_link_neighbours_inside_each_article_only() -> None:
    records = [_record("a", "train", ["One.", "Two.", "Three."]), _record("b", "dev", ["Four."]),
               _record("c", "train", ["Five.", "Six."])]
    examples = examples_from(records, "train", "dev")
    # Splits in the order asked for, articles in corpus order within a split.
    assert [e.text for e in examples] == ["One.", "Two.", "Three.", "Five.", "Six.", "Four."]
    assert [(e.before, e.after) for e in examples] == [(-1, 1), (0, 2), (1, -1), (-1, 4), (3, -1), (-1, -1)]


@pytest.fixture(scope="module")
def context_extractor() -> MiniLMExtractor:
    torch.manual_seed(0)
    model, tokenizer = build_model(ModelConfig(context=True))
    # A trained context head is not zero; a random one shows whether the neighbours reach it.
    torch.nn.init.normal_(model.context_head[-1].weight, std=0.5)
    config = {"version": "test", "threshold": 0.0}  # every type is predicted: events carry its probability
    return MiniLMExtractor(model, tokenizer, config)


def _article(aid: str, text: str) -> Article:
    return Article.model_validate({"id": aid, "text": text, "ingested_at": "2024-06-01T00:00:00Z"})


def test_context_model_reads_the_sentence_before(context_extractor: MiniLMExtractor) -> None:
    after = "Crews also hit one near the town."
    a = context_extractor.predict_sentences(["Air defences shot down two drones.", after], [(-1, 1), (0, -1)])
    b = context_extractor.predict_sentences(["The football final ended in a draw.", after], [(-1, 1), (0, -1)])
    alone = context_extractor.predict_sentences([after])
    assert a[1].type_probs != pytest.approx(b[1].type_probs)
    assert a[1].type_probs != pytest.approx(alone[0].type_probs)


def test_context_stays_inside_an_article(context_extractor: MiniLMExtractor) -> None:
    first = _article("a1", "Air defences shot down two drones over the region. Officials said debris fell.")
    second = _article("a2", "The ministers met in Geneva on Tuesday. They agreed to meet again.")
    together = context_extractor.predict_sentences(
        ["Air defences shot down two drones over the region.", "Officials said debris fell.",
         "The ministers met in Geneva on Tuesday.", "They agreed to meet again."],
        [(-1, 1), (0, -1), (-1, 3), (2, -1)])
    apart = context_extractor.predict_sentences(
        ["The ministers met in Geneva on Tuesday.", "They agreed to meet again."], [(-1, 1), (0, -1)])
    assert together[2].type_probs == pytest.approx(apart[0].type_probs, abs=1e-5)
    assert together[3].type_probs == pytest.approx(apart[1].type_probs, abs=1e-5)
    # extract_batch builds the same neighbours: batching articles together changes nothing.
    both = context_extractor.extract_batch([first, second])
    each = [context_extractor.extract_batch([first])[0], context_extractor.extract_batch([second])[0]]
    assert both[1], "threshold 0 predicts every type"
    for together_events, apart_events in zip(both, each, strict=True):
        assert [(e.type, e.evidence.sentence) for e in together_events] == [
            (e.type, e.evidence.sentence) for e in apart_events]
        assert [e.confidence for e in together_events] == pytest.approx([e.confidence for e in apart_events],
                                                                        abs=1e-5)
