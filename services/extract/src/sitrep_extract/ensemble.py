"""Several event models trained alike but from different seeds, read as one.

The ensemble averages the members' probabilities (types: sigmoid, argument tags and stances: softmax)
and hands them back as logits, so the extractor treats it exactly like one `EventModel`. The pooled
vector it returns is the members' pooled vectors side by side: `stance_logits` splits it again, one
slice per member.

Screening: most sentences of an article report no event. The first member reads every sentence; the
others read only those where the first gives some type a probability of at least `screen`. A
screened-out sentence keeps the first member's reading, so it predicts no type (the extractor refuses
a screen above its lowest threshold) and its argument tags are that member's alone; they matter only
for the places a neighbouring event borrows. Without screening, the other members could still have
lifted such a sentence over a threshold: MODEL.md measures how often that changes an event.
"""

from __future__ import annotations

import torch
from torch import nn

from sitrep_extract.model import EventModel, Output

_EPS = 1e-6
# Off by default: screening at 0.05 gains 15-20% throughput and changed one borrowed place in the
# evaluation sets (MODEL.md, "Screening the ensemble").
SCREEN = 0.0


def _logit(p: torch.Tensor) -> torch.Tensor:
    p = p.clamp(_EPS, 1 - _EPS)
    return torch.log(p) - torch.log1p(-p)


class EnsembleModel(nn.Module):
    def __init__(self, members: list[EventModel], *, screen: float = SCREEN) -> None:
        super().__init__()
        if not members:
            raise ValueError("an ensemble needs at least one member")
        if any(m.config.context for m in members):
            raise ValueError("ensemble members must be context-free models")
        self.members = nn.ModuleList(members)
        self.screen = screen
        self.sentences_read = 0  # by the first member
        self.sentences_screened = 0  # of them, read by no other member
        self.hidden = members[0].encoder.config.hidden_size
        # The bare-encoder speed baseline in `evaluate` times one MiniLM pass, as for a single model.
        self.encoder = members[0].encoder

    @property
    def pooled_size(self) -> int:
        return self.hidden * len(self.members)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> Output:
        first = self.members[0](input_ids, attention_mask)
        types = torch.sigmoid(first.type_logits.float())
        tags = torch.softmax(first.bio_logits.float(), -1)
        pooled = first.pooled.float().repeat(1, len(self.members))
        rest = self.members[1:]
        rows = (types.max(-1).values >= self.screen).nonzero().squeeze(-1)
        self.sentences_read += len(types)
        self.sentences_screened += len(types) - len(rows) if rest else 0
        if rest and len(rows):
            # The kept sentences as a batch of their own, trimmed to the longest of them.
            mask = attention_mask[rows]
            width = int(mask.sum(-1).max())
            ids, mask = input_ids[rows, :width], mask[:, :width]
            outs = [m(ids, mask) for m in rest]
            types[rows] = torch.stack([types[rows]] + [torch.sigmoid(o.type_logits.float()) for o in outs]).mean(0)
            tags[rows, :width] = torch.stack(
                [tags[rows, :width]] + [torch.softmax(o.bio_logits.float(), -1) for o in outs]).mean(0)
            pooled[rows] = torch.cat([first.pooled[rows].float()] + [o.pooled.float() for o in outs], dim=-1)
        return Output(pooled=pooled, type_logits=_logit(types), bio_logits=torch.log(tags.clamp_min(_EPS)))

    def types_in_context(self, pooled: torch.Tensor, type_logits: torch.Tensor, table: torch.Tensor,
                         before: torch.Tensor, after: torch.Tensor) -> torch.Tensor:
        return type_logits  # members are context-free

    def stance_logits(self, pooled: torch.Tensor, type_ids: torch.Tensor) -> torch.Tensor:
        parts = pooled.split(self.hidden, dim=-1)
        probs = torch.stack([torch.softmax(m.stance_logits(p, type_ids).float(), -1)
                             for m, p in zip(self.members, parts, strict=True)]).mean(0)
        return torch.log(probs.clamp_min(_EPS))
