"""Several event models trained alike but from different seeds, read as one.

Each member encodes every sentence itself; the ensemble averages the members' probabilities (types:
sigmoid, argument tags and stances: softmax) and hands them back as logits, so the extractor treats it
exactly like one `EventModel`. The pooled vector it returns is the members' pooled vectors side by
side: `stance_logits` splits it again, one slice per member.
"""

from __future__ import annotations

import torch
from torch import nn

from sitrep_extract.model import EventModel, Output

_EPS = 1e-6


def _logit(p: torch.Tensor) -> torch.Tensor:
    p = p.clamp(_EPS, 1 - _EPS)
    return torch.log(p) - torch.log1p(-p)


class EnsembleModel(nn.Module):
    def __init__(self, members: list[EventModel]) -> None:
        super().__init__()
        if not members:
            raise ValueError("an ensemble needs at least one member")
        if any(m.config.context for m in members):
            raise ValueError("ensemble members must be context-free models")
        self.members = nn.ModuleList(members)
        self.hidden = members[0].encoder.config.hidden_size
        # The bare-encoder speed baseline in `evaluate` times one MiniLM pass, as for a single model.
        self.encoder = members[0].encoder

    @property
    def pooled_size(self) -> int:
        return self.hidden * len(self.members)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> Output:
        outs = [m(input_ids, attention_mask) for m in self.members]
        types = torch.stack([torch.sigmoid(o.type_logits.float()) for o in outs]).mean(0)
        tags = torch.stack([torch.softmax(o.bio_logits.float(), -1) for o in outs]).mean(0)
        return Output(pooled=torch.cat([o.pooled.float() for o in outs], dim=-1),
                      type_logits=_logit(types), bio_logits=torch.log(tags.clamp_min(_EPS)))

    def types_in_context(self, pooled: torch.Tensor, type_logits: torch.Tensor, table: torch.Tensor,
                         before: torch.Tensor, after: torch.Tensor) -> torch.Tensor:
        return type_logits  # members are context-free

    def stance_logits(self, pooled: torch.Tensor, type_ids: torch.Tensor) -> torch.Tensor:
        parts = pooled.split(self.hidden, dim=-1)
        probs = torch.stack([torch.softmax(m.stance_logits(p, type_ids).float(), -1)
                             for m, p in zip(self.members, parts, strict=True)]).mean(0)
        return torch.log(probs.clamp_min(_EPS))
