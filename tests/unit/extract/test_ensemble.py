"""An ensemble artifact: member models whose probabilities are averaged, loaded like one model."""

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from sitrep_extract.ensemble import EnsembleModel
from sitrep_extract.model import BIO, STANCES, TYPES, EventModel, ModelConfig, build_model
from sitrep_extract.pipeline import MiniLMExtractor, load_extractor

pytestmark = pytest.mark.slow

SENTENCES = ["Air defences shot down two drones over the Kursk region.", "The ministers met in Geneva."]


def _member(seed: int) -> tuple[EventModel, object]:
    torch.manual_seed(seed)
    model, tokenizer = build_model(ModelConfig(rank=2))
    for name, p in model.named_parameters():
        if p.requires_grad:  # a trained adapter is not zero: make each member its own model
            torch.nn.init.normal_(p, std=0.05 if "lora" in name else 0.5)
    return model.eval(), tokenizer


@pytest.fixture(scope="module")
def members() -> tuple[list[EventModel], object]:
    (a, tokenizer), (b, _) = _member(1), _member(2)
    return [a, b], tokenizer


def _predict(model: EventModel | EnsembleModel, tokenizer: object) -> list:
    # Threshold 0: every type is predicted, so the stance head runs too.
    return MiniLMExtractor(model, tokenizer, {"version": "test", "threshold": 0.0}).predict_sentences(SENTENCES)


def _forward(model: EventModel | EnsembleModel, tokenizer: object) -> tuple[torch.Tensor, torch.Tensor]:
    """Type probabilities and argument-tag probabilities of SENTENCES, straight from the forward pass."""
    enc = tokenizer(SENTENCES, padding=True, return_tensors="pt")  # type: ignore[operator]
    with torch.inference_mode():
        out = model(enc["input_ids"], enc["attention_mask"])
    return torch.sigmoid(out.type_logits.float()), torch.softmax(out.bio_logits.float(), -1)


def test_ensemble_averages_the_members_probabilities(members: tuple[list[EventModel], object]) -> None:
    models, tokenizer = members
    one, two = (_predict(m, tokenizer) for m in models)
    both = _predict(EnsembleModel(models, screen=0.0), tokenizer)
    for i in range(len(SENTENCES)):
        mean = [(x + y) / 2 for x, y in zip(one[i].type_probs, two[i].type_probs, strict=True)]
        assert both[i].type_probs == pytest.approx(mean, abs=1e-5)
        assert one[i].type_probs != pytest.approx(two[i].type_probs, abs=1e-3)  # the members differ
        # Every type is above threshold 0, so each has a stance: the stance head ran on both members.
        assert set(both[i].stances) == set(TYPES)


def test_screening_leaves_a_sentence_to_the_first_member_when_it_sees_no_type(
        members: tuple[list[EventModel], object]) -> None:
    models, tokenizer = members
    (first, first_tags), (second, second_tags) = (_forward(m, tokenizer) for m in models)
    top = first.max(-1).values
    assert abs(float(top[0] - top[1])) > 1e-3
    low, high = int(top.argmin()), int(top.argmax())
    ensemble = EnsembleModel(models, screen=float(top.mean()))
    both, both_tags = _forward(ensemble, tokenizer)
    # Below the screen: the first member's reading alone, argument tags included.
    assert torch.allclose(both[low], first[low], atol=1e-5)
    assert torch.allclose(both_tags[low], first_tags[low], atol=1e-4)
    # At or above it: the members' mean, as without screening.
    assert torch.allclose(both[high], (first[high] + second[high]) / 2, atol=1e-5)
    n = len(tokenizer(SENTENCES[high])["input_ids"])  # type: ignore[operator]
    assert torch.allclose(both_tags[high, :n], (first_tags[high, :n] + second_tags[high, :n]) / 2, atol=1e-4)
    assert (ensemble.sentences_read, ensemble.sentences_screened) == (2, 1)


def test_screen_zero_and_a_screen_above_every_probability(members: tuple[list[EventModel], object]) -> None:
    models, tokenizer = members
    unscreened = EnsembleModel(models, screen=0.0)
    _forward(unscreened, tokenizer)
    assert unscreened.sentences_screened == 0
    everything = EnsembleModel(models, screen=1.01)
    assert torch.allclose(_forward(everything, tokenizer)[0], _forward(models[0], tokenizer)[0], atol=1e-5)
    assert everything.sentences_screened == len(SENTENCES)


def test_a_screen_above_a_threshold_is_refused(members: tuple[list[EventModel], object]) -> None:
    models, tokenizer = members
    with pytest.raises(ValueError, match="above the lowest threshold"):
        MiniLMExtractor(EnsembleModel(models, screen=0.2), tokenizer, {"version": "test", "threshold": 0.5})
    MiniLMExtractor(EnsembleModel(models, screen=0.1), tokenizer, {"version": "test", "threshold": 0.5})


def test_ensemble_of_one_model_is_that_model(members: tuple[list[EventModel], object]) -> None:
    models, tokenizer = members
    alone, wrapped = _predict(models[0], tokenizer), _predict(EnsembleModel(models[:1]), tokenizer)
    for x, y in zip(alone, wrapped, strict=True):
        assert x.type_probs == pytest.approx(y.type_probs, abs=1e-5)
        assert x.spans == y.spans
        assert {t: s for t, (s, _) in x.stances.items()} == {t: s for t, (s, _) in y.stances.items()}


def test_ensemble_refuses_context_members() -> None:
    model, _ = build_model(ModelConfig(context=True))
    with pytest.raises(ValueError, match="context-free"):
        EnsembleModel([model])


def test_an_artifact_listing_members_loads_as_an_ensemble(members: tuple[list[EventModel], object],
                                                          tmp_path: Path) -> None:
    models, tokenizer = members
    config = {"name": "minilm-events", "types": list(TYPES), "stances": list(STANCES), "bio": list(BIO),
              "model": {"rank": 2}, "threshold": 0.0}
    for k, model in enumerate(models):
        member = tmp_path / f"member-{k}"
        member.mkdir()
        save_file(model.trainable_state(), str(member / "adapter.safetensors"))
        (member / "config.json").write_text(json.dumps({**config, "version": f"m{k}"}), encoding="utf-8")
    (tmp_path / "config.json").write_text(
        json.dumps({**config, "version": "ens", "members": ["member-0", "member-1"]}), encoding="utf-8")
    loaded = load_extractor(artifact_dir=tmp_path, use_bf16=False, screen=0.0)
    assert isinstance(loaded.model, EnsembleModel) and loaded.version == "ens"
    expected = _predict(EnsembleModel(models, screen=0.0), tokenizer)
    for x, y in zip(loaded.predict_sentences(SENTENCES), expected, strict=True):
        assert x.type_probs == pytest.approx(y.type_probs, abs=1e-5)
