"""The model's two shortcuts give the same outputs as the plain forward: training's FrozenPrefix
(cached frozen states) and inference's merged adapters."""

import pytest
import torch

from sitrep_extract.model import EventModel, FrozenPrefix, LoRALinear, ModelConfig, build_model

pytestmark = pytest.mark.slow


def _nudged(config: ModelConfig) -> tuple[EventModel, dict[str, torch.Tensor]]:
    """A model whose adapters are not zero (fresh LoRA is the identity), and a small batch for it."""
    model, tokenizer = build_model(config)
    torch.manual_seed(0)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(".lora_b"):
                p.normal_(0, 0.05)
    batch = tokenizer(["Air defences shot down two drones over the Kaluga region.", "No news today."],
                      padding=True, return_tensors="pt")
    return model, dict(batch)


@pytest.mark.parametrize("adapt_layers", [6, 2])
def test_frozen_prefix_matches_the_full_forward(adapt_layers: int) -> None:
    model, batch = _nudged(ModelConfig(adapt_layers=adapt_layers))
    prefix = FrozenPrefix(model)
    model.eval()
    with torch.no_grad():
        full = model(batch["input_ids"], batch["attention_mask"])
        with prefix.skipping(prefix.frozen_states(batch["input_ids"], batch["attention_mask"])):
            short = model(batch["input_ids"], batch["attention_mask"])
    assert torch.allclose(full.type_logits, short.type_logits, atol=1e-5)
    assert torch.allclose(full.bio_logits, short.bio_logits, atol=1e-5)
    assert len(model.encoder.encoder.layer) == 6  # the layers are back after the block


def test_frozen_states_ignore_dropout_and_keep_the_training_mode() -> None:
    model, batch = _nudged(ModelConfig())
    prefix = FrozenPrefix(model)
    model.train()
    first = prefix.frozen_states(batch["input_ids"], batch["attention_mask"])
    second = prefix.frozen_states(batch["input_ids"], batch["attention_mask"])
    assert torch.equal(first, second)  # dropout is off while caching
    assert model.training and model.encoder.training


def test_merged_adapters_give_the_same_outputs_without_adapter_modules() -> None:
    model, batch = _nudged(ModelConfig())
    model.eval()
    query = model.encoder.encoder.layer[0].attention.self.query
    assert isinstance(query, LoRALinear)
    frozen = query.base.weight.clone()
    with torch.no_grad():
        before = model(batch["input_ids"], batch["attention_mask"])
        model.merge_adapters()
        after = model(batch["input_ids"], batch["attention_mask"])
    assert not any(isinstance(m, LoRALinear) for m in model.modules())
    assert not torch.equal(model.encoder.encoder.layer[0].attention.self.query.weight, frozen)  # folded in
    assert torch.allclose(before.type_logits, after.type_logits, atol=1e-4)
    assert torch.allclose(before.bio_logits, after.bio_logits, atol=1e-4)
