"""The extractor the worker and the offline mode call: articles in, events out.

    extractor = load_extractor()
    events_per_article = extractor.extract_batch(articles)
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import torch

from sitrep_extract.assemble import Mention, Span, assemble
from sitrep_extract.ensemble import SCREEN, EnsembleModel
from sitrep_extract.model import (
    BIO,
    MAX_TOKENS,
    STANCES,
    TYPES,
    EventModel,
    ModelConfig,
    build_model,
)
from sitrep_extract.normalise.sentences import Sentence, split_sentences
from sitrep_extract.places import add_gazetteer_places, tidy
from sitrep_extract.runtime import cpu_has_native_bf16
from sitrep_shared.models import Article, Event

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
NAME = "minilm-events"


class Extractor(Protocol):
    name: str
    version: str
    merge: bool

    def extract_batch(self, articles: list[Article]) -> list[list[Event]]: ...


@dataclass(frozen=True)
class SentencePrediction:
    type_probs: list[float]
    stances: dict[str, tuple[str, float]]  # type -> (stance, probability), for predicted types
    spans: list[tuple[str, int, int]]  # (role, start, end) relative to the sentence
    # Types below the threshold but above CARRY_THRESHOLD: kept when the sentence continues the
    # one before it, which predicted the same type ("The statement said crews also hit one ...").
    weak: dict[str, tuple[str, float]] = field(default_factory=dict)


def default_artifact_dir(root: Path = ARTIFACTS_DIR) -> Path:
    """The committed artifact: the version named in artifacts/CURRENT."""
    current = root / "CURRENT"
    if not current.exists():
        raise FileNotFoundError(f"no artifact in {root}: run `python -m sitrep_extract train`")
    return root / current.read_text(encoding="utf-8").strip()


def decode_bio(labels: Sequence[int], offsets: Sequence[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """BIO label ids + token offsets -> (role, start, end) character spans (lenient: I- may open a span)."""
    spans: list[tuple[str, int, int]] = []
    cur: list[Any] | None = None
    for label, (s, e) in zip(labels, offsets, strict=False):
        if e <= s:
            continue
        tag = BIO[label]
        if tag == "O":
            if cur:
                spans.append(tuple(cur))  # type: ignore[arg-type]
            cur = None
            continue
        prefix, role = tag.split("-", 1)
        if prefix == "I" and cur and cur[0] == role:
            cur[2] = e
        else:
            if cur:
                spans.append(tuple(cur))  # type: ignore[arg-type]
            cur = [role, s, e]
    if cur:
        spans.append(tuple(cur))  # type: ignore[arg-type]
    return spans


# "Unmanned aerial vehicles" are drones, not vehicles.
_EQUIPMENT = re.compile(r"\b(tanks?|(?<!aerial )vehicles?|ships?|vessels?|launchers?|howitzers?|\w*boats?|armou?r\w*|"
                        r"APCs?|IFVs?|artillery|Leopards?|Abrams|Bradleys?|Challengers?|frigates?|corvettes?|warships?|tankers?|"
                        r"carriers?|fleet|trucks?|pickups?|cars?|cranes?|mortars?|cannons?|bulldozers?|rifles?|weapons|"
                        r"Patriots?|Pantsir\S*|Buk\S*)\b", re.I)
# Air-defence kit is lost equipment only where nothing is intercepted: in "the Arrow systems
# intercepted the missiles" the systems are the shooters.
_DEFENCE_KIT = re.compile(r"\b(systems?|radars?|batter(?:y|ies)|posts?|equipment)\b", re.I)
_INTERCEPTED = re.compile(r"\b(intercept\w*|shot down|shoot down|downed|brought down|air defen[cs]es?)\b", re.I)
# Aircraft destroyed where they stand are equipment, not shootdowns.
_ON_THE_GROUND = re.compile(r"\b(on the ground|parked|hangars?|airfields?|air bases?|airports?|crashed|overboard)\b",
                            re.I)


_AIRBORNE = re.compile(r"\b(drones?|UAVs?|uncrewed aerial|unmanned aerial|missiles?|rockets?|aircraft|jets?|"
                       r"helicopters?|planes?|Shaheds?|Reapers?)\b", re.I)


_ATTACK = re.compile(r"\b(launch\w*|attack\w*|struck|strikes?|hit|hits|fired|firing|target\w*|barrages?|"
                     r"shell\w*|bomb\w*|pounded|slammed|rained|assault\w*|salvos?|waves?)\b", re.I)


# "An attempt by ... to attack ... with drones was thwarted": a foiled attack, coded as the shootdown alone
# unless something still landed ("... foiled, and only limited damage was caused").
_FOILED = re.compile(r"\battempt\w*\b.*\b(thwart\w*|foil\w*|repel\w*|repuls\w*|stopped|prevented|averted)\b", re.I)
_IMPACT = re.compile(r"\b(damag\w*|fell|landed|crashed|fires?|blaze|injur\w*|kill\w*|wound\w*|dead|struck)\b", re.I)


# A ship that was only hit is an attack on shipping; it is a loss when it sank, burned or was lost.
_SHIP = re.compile(r"\b(ships?|vessels?|tankers?|freighters?|carriers?)\b", re.I)
_LOST = re.compile(r"\b(destroy\w*|sank|sunk|sink\w*|captur\w*|seiz\w*|lost|losing|loss\w*|written off|disabled|"
                   r"knocked out|burn\w*|badly damaged|wreck\w*|abandon\w*|scuttl\w*)\b", re.I)


_CASUALTY = re.compile(r"\b(kill\w*|dead|died|dies|die|death\w*|injur\w*|wound\w*|casualt\w*|toll|hurt|harm\w*|"
                       r"fatal\w*|bodies|body|massacre\w*|executed|slain|perish\w*|lives|lost|loss|losses|unharmed|unhurt|"
                       r"safely|neutrali[sz]ed|eliminated|civilians)\b", re.I)


CARRY_THRESHOLD = 0.1
_CONTINUES = re.compile(r"\b(?:also|another|a further|as well|too|again|added that|adding that|the same)\b", re.I)


def carried(text: str, weak: dict[str, tuple[str, float]], before: set[str]) -> dict[str, tuple[str, float]]:
    """Weak types of a sentence that continues the previous one and shares one of its types."""
    if not before or not _CONTINUES.search(text):
        return {}
    return {t: v for t, v in weak.items() if t in before}


def exclusive(text: str, stances: dict[str, tuple[str, float]]) -> dict[str, tuple[str, float]]:
    """Annotation rule: a drone or aircraft shot down is a shootdown, not an equipment loss;
    equipment losses are tanks, ships, launchers and the like."""
    out = dict(stances)
    equipment = _EQUIPMENT.search(text) or (_DEFENCE_KIT.search(text) and not _INTERCEPTED.search(text))
    if "equipment_loss" in out and not equipment and not _ON_THE_GROUND.search(text):
        lost = out.pop("equipment_loss")
        if _AIRBORNE.search(text) and "shootdown" not in out:
            out["shootdown"] = lost
    if "equipment_loss" in out and _SHIP.search(text) and not _LOST.search(text):
        del out["equipment_loss"]
    # Casualty reports are killed or injured counts (or "nobody was hurt"), not displacement or damage.
    if "casualty_report" in out and not _CASUALTY.search(text):
        del out["casualty_report"]
    if "drone_or_missile_strike" in out and _FOILED.search(text) and _AIRBORNE.search(text) \
            and not _IMPACT.search(text):
        foiled = out.pop("drone_or_missile_strike")
        out.setdefault("shootdown", foiled)
    # "A report that only says something was intercepted is a shootdown only."
    if "shootdown" in out and "drone_or_missile_strike" in out and not _ATTACK.search(text):
        del out["drone_or_missile_strike"]
    return out


# "..., a charge Kigali denies." / "..., which N'Djamena denies.": a second claim, by someone else, inside the sentence.
_DENIAL_CLAUSE = re.compile(
    r"[,;]\s+(?P<clause>(?:(?:a|an|the)\s+(?:charge|accusation|allegation|claim|account|report)\s+(?:that\s+)?|which\s+)"
    r"(?P<who>(?:the\s+)?[A-Z][\w'\u2019.\-]*(?:\s+[\w'\u2019.\-]+){0,5}?)\s+(?:has\s+|have\s+)?"
    r"(?:denie[sd]|deny|rejec\w*|dismiss\w*|disput\w*)\b)")


def split_denial(m: Mention) -> list[Mention]:
    """Guideline: a denial is always its own event. A claim and a trailing denial of it in one sentence
    are two mentions: the claim with the sentence as evidence, the denial with its clause (so each has
    its own event id) and the one who denies as claimant."""
    clause = _DENIAL_CLAUSE.search(m.sentence)
    if not clause:
        return [m]
    start = m.sentence_start + clause.start("clause")
    who = Span("claimant", m.sentence_start + clause.start("who"), m.sentence_start + clause.end("who"),
               clause.group("who"))
    claim = replace(m, stance="asserted") if m.stance == "denied" else m
    spans = [who] + [sp for sp in m.spans if sp.role != "claimant"]
    denial = replace(m, stance="denied", sentence_start=start, sentence=m.sentence[start - m.sentence_start :],
                     spans=spans)
    return [claim, denial]


def _is_headline(sentence: Sentence, article: Article) -> bool:
    """Scraped text often opens with the article's headline: read it for places, never for events."""
    title = (article.title or "").strip().lower()
    return bool(title) and sentence.start < len(title) + 2 and sentence.text.strip().lower() == title


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """Extend a span to whole words (a tokenizer can stop inside 'Zaporizhzhia')."""
    while start > 0 and (text[start - 1].isalnum()):
        start -= 1
    while end < len(text) and (text[end].isalnum()):
        end += 1
    return start, end


class MiniLMExtractor:
    """The fine-tuned MiniLM event extractor (see MODEL.md)."""

    def __init__(self, model: EventModel | EnsembleModel, tokenizer: Any, config: dict[str, Any], *,
                 use_bf16: bool = False, max_batch_sentences: int = 64) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.config = config
        self.name = str(config.get("name", NAME))
        self.version = str(config["version"])
        self.threshold = float(config.get("threshold", 0.5))
        self.thresholds = {t: float(v) for t, v in config.get("thresholds", {}).items()}
        self.use_bf16 = use_bf16
        self.max_batch_sentences = max_batch_sentences
        lowest = min([self.threshold, CARRY_THRESHOLD, *self.thresholds.values()])
        if isinstance(model, EnsembleModel) and len(model.members) > 1 and model.screen > lowest:
            # A screened-out sentence has only the first member's reading; it must stay below every threshold.
            raise ValueError(f"ensemble screen {model.screen} is above the lowest threshold {lowest}")
        self.merge = True  # merge restatements across sentences (off only to score per-sentence gold)

    def encode(self, texts: Sequence[str]) -> Any:
        return self.tokenizer(list(texts), truncation=True, max_length=MAX_TOKENS, padding=True,
                              return_offsets_mapping=True, return_tensors="pt")

    @torch.inference_mode()
    def predict_sentences(self, texts: Sequence[str],
                          neighbours_of: Sequence[tuple[int, int]] | None = None) -> list[SentencePrediction]:
        """Predictions for each text. `neighbours_of[i]` is (index of the sentence before text i,
        index of the one after), -1 for none; context models read those sentences too."""
        # Pass 1, the encoder: sorting by length keeps padding small.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        pooled = torch.zeros(len(texts), self.model.pooled_size)
        own_logits = torch.zeros(len(texts), len(TYPES))
        tags: dict[int, list[tuple[str, int, int]]] = {}
        for b in range(0, len(order), self.max_batch_sentences):
            idx = order[b : b + self.max_batch_sentences]
            enc = self.encode([texts[i] for i in idx])
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.use_bf16):
                res = self.model(enc["input_ids"], enc["attention_mask"])
            pooled[idx] = res.pooled.float()
            own_logits[idx] = res.type_logits.float()
            labels = res.bio_logits.float().argmax(-1)
            for row, i in enumerate(idx):
                offsets = [tuple(o) for o in enc["offset_mapping"][row].tolist()]
                n = int(enc["attention_mask"][row].sum())
                tags[i] = decode_bio(labels[row, :n].tolist(), offsets[:n])
        # Pass 2, the heads, now that every sentence's neighbours are encoded.
        pairs = torch.tensor(list(neighbours_of) if neighbours_of else [(-1, -1)] * len(texts),
                             dtype=torch.long).reshape(-1, 2)
        probs = torch.sigmoid(self.model.types_in_context(pooled, own_logits, pooled, pairs[:, 0], pairs[:, 1]))
        return [self._sentence(texts[i], probs[i].tolist(), pooled[i], tags[i]) for i in range(len(texts))]

    def _sentence(self, text: str, p: list[float], pooled: torch.Tensor,
                  tags: list[tuple[str, int, int]]) -> SentencePrediction:
        chosen = [t for t, name in enumerate(TYPES) if p[t] >= self.thresholds.get(name, self.threshold)]
        weak_ids = [t for t in range(len(TYPES)) if p[t] >= CARRY_THRESHOLD and t not in chosen]
        stances: dict[str, tuple[str, float]] = {}
        weak: dict[str, tuple[str, float]] = {}
        if chosen or weak_ids:
            ids = chosen + weak_ids
            logits = self.model.stance_logits(pooled.expand(len(ids), -1), torch.tensor(ids, dtype=torch.long))
            sp = torch.softmax(logits.float(), -1)
            for k, t in enumerate(ids):
                j = int(sp[k].argmax())
                (stances if t in chosen else weak)[TYPES[t]] = (STANCES[j], float(sp[k, j]))
        spans = tidy(text, [(role, *_widen(text, s, e)) for role, s, e in tags])
        if chosen:
            spans = add_gazetteer_places(text, spans)
        return SentencePrediction(type_probs=p, stances=stances, spans=spans, weak=weak)

    def mentions(self, article: Article, sentences: Sequence[Sentence],
                 preds: Sequence[SentencePrediction]) -> tuple[list[Mention], list[list[str]]]:
        out: list[Mention] = []
        places: list[list[str]] = []
        before: set[str] = set()
        for sent, pred in zip(sentences, preds, strict=True):
            spans = [Span(role, sent.start + s, sent.start + e, sent.text[s:e]) for role, s, e in pred.spans]
            stances = {**carried(sent.text, pred.weak, before), **pred.stances}
            types = {} if _is_headline(sent, article) else exclusive(sent.text, stances)
            before = set(types)
            for type_, (stance, _sp) in types.items():
                out.extend(split_denial(Mention(
                    type=type_, confidence=pred.type_probs[TYPES.index(type_)], stance=stance,
                    sentence_start=sent.start, sentence_end=sent.end, sentence=sent.text, spans=spans,
                    index=len(places))))
            places.append([sent.text[s:e] for role, s, e in pred.spans if role == "location"])
        return out, places

    def extract_batch(self, articles: list[Article]) -> list[list[Event]]:
        per_article = [split_sentences(a.text) for a in articles]
        flat = [s.text for sents in per_article for s in sents]
        neighbours_of: list[tuple[int, int]] = []  # (sentence before, sentence after), -1 for none
        for sents in per_article:
            first = len(neighbours_of)
            neighbours_of += [(i - 1 if i > first else -1, i + 1 if i < first + len(sents) - 1 else -1)
                              for i in range(first, first + len(sents))]
        # Headlines are read for places only (a fallback for sentences that name none), never for events.
        titles = [a.title.strip() for a in articles if a.title and a.title.strip()]
        neighbours_of += [(-1, -1)] * len(titles)
        preds = self.predict_sentences(flat + titles, neighbours_of) if flat or titles else []
        title_preds = iter(preds[len(flat) :])
        out, k = [], 0
        for article, sents in zip(articles, per_article, strict=True):
            mine = preds[k : k + len(sents)]
            k += len(sents)
            title_places: list[str] = []
            if article.title and article.title.strip():
                tp = next(title_preds)
                title_places = [article.title.strip()[s:e] for role, s, e in tp.spans if role == "location"]
            mentions, places = self.mentions(article, sents, mine)
            out.append(assemble(article, mentions, merge=self.merge, sentence_places=places,
                                title_places=title_places))
        return out


def _measure_bf16(model: EventModel | EnsembleModel, tokenizer: Any) -> bool:
    """bf16 only when the CPU has it and it is measurably faster here."""
    enc = tokenizer(["Air defences shot down two drones over the region overnight, officials said."] * 32,
                    return_tensors="pt", padding=True)

    def timed(bf16: bool) -> float:
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            model(enc["input_ids"], enc["attention_mask"])
            t = time.perf_counter()
            for _ in range(3):
                model(enc["input_ids"], enc["attention_mask"])
        return time.perf_counter() - t

    return timed(True) < 0.8 * timed(False)


def _read_config(artifact_dir: Path) -> dict[str, Any]:
    return dict(json.loads((artifact_dir / "config.json").read_text(encoding="utf-8")))


def _load_model(artifact_dir: Path, config: dict[str, Any]) -> tuple[EventModel, Any]:
    """One trained model (`config` is its artifact's): the encoder with the adapters and heads applied."""
    from safetensors.torch import load_file

    if list(config["types"]) != list(TYPES) or list(config["bio"]) != list(BIO):
        raise ValueError(f"{artifact_dir}: label maps do not match this code version")
    model, tokenizer = build_model(ModelConfig(**config["model"]))
    state = load_file(str(artifact_dir / "adapter.safetensors"))
    _missing, unexpected = model.load_state_dict(state, strict=False)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    if unexpected or trainable - set(state):
        raise ValueError(f"{artifact_dir}: artifact does not fit the model ({unexpected or trainable - set(state)})")
    model.merge_adapters()
    return model.eval(), tokenizer


def load_extractor(*, artifact_dir: Path | None = None, torch_threads: int | None = None,
                   use_bf16: bool | None = None, max_batch_sentences: int = 64,
                   screen: float | None = None) -> MiniLMExtractor:
    """Load the encoder, apply the artifact's adapters and heads, and return a ready extractor.
    An artifact whose config lists `members` (sub-directories, each a model artifact) is an ensemble;
    `screen` is its screening level (default `ensemble.SCREEN`; 0 runs every member on every sentence)."""
    if torch_threads:
        torch.set_num_threads(torch_threads)
    artifact_dir = artifact_dir or default_artifact_dir()
    config = _read_config(artifact_dir)
    model: EventModel | EnsembleModel
    if members := config.get("members"):
        loaded = [_load_model(artifact_dir / m, _read_config(artifact_dir / m)) for m in members]
        screen = SCREEN if screen is None else screen
        model, tokenizer = EnsembleModel([m for m, _ in loaded], screen=screen), loaded[0][1]
    else:
        model, tokenizer = _load_model(artifact_dir, config)
    if use_bf16 is None:
        use_bf16 = cpu_has_native_bf16() and _measure_bf16(model, tokenizer)
    return MiniLMExtractor(model, tokenizer, config, use_bf16=use_bf16, max_batch_sentences=max_batch_sentences)
