"""`train --full`: the encoder layers' own weights are trained instead of adapters on them."""

import pytest

from sitrep_extract.model import LoRALinear, ModelConfig, build_model

pytestmark = pytest.mark.slow


def test_full_model_trains_the_top_layers_weights_and_has_no_adapters() -> None:
    model, _ = build_model(ModelConfig(full=True, adapt_layers=2))
    assert not any(isinstance(m, LoRALinear) for m in model.modules())
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert "encoder.encoder.layer.5.attention.self.query.weight" in trainable
    assert "encoder.encoder.layer.4.output.LayerNorm.weight" in trainable
    assert not any(".layer.3." in n or "embeddings" in n for n in trainable)
    assert "type_head.weight" in trainable
    assert set(model.trainable_state()) == trainable  # what the artifact stores


def test_adapter_model_trains_only_adapters_and_heads() -> None:
    model, _ = build_model(ModelConfig(adapt_layers=2))
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    encoder = {n for n in trainable if n.startswith("encoder.")}
    assert encoder and all(n.endswith((".lora_a", ".lora_b")) for n in encoder)
    assert not any(".layer.3." in n for n in encoder)
