"""`python -m sitrep_extract evaluate`: the model and the keyword baseline on three sets, one table.

Sets: the corpus test split, ../shared/samples/dev-real.jsonl (real news; evaluation only) and the
seed article with its hand annotation. Event types are scored with ../shared/tools/score_events.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from sitrep_extract import corpus as corpus_mod
from sitrep_extract.normalise.gazetteer import gazetteer
from sitrep_extract.pipeline import Extractor, default_artifact_dir, load_extractor
from sitrep_extract.runtime import screened_share, sentence_counts
from sitrep_shared import ids
from sitrep_shared.models import Article, Event

REPO = Path(__file__).resolve().parents[4]
SHARED = REPO.parent / "shared"
SCORER = SHARED / "tools" / "score_events.py"
DEV_REAL = SHARED / "samples" / "dev-real.jsonl"
SEED_TEXT = SHARED / "samples" / "seed-article.txt"
SEED_GOLD = SHARED / "samples" / "seed-article.gold.json"
SAMPLES_GOLD = REPO / "samples" / "articles.gold.jsonl"
# Where the seed article's places are (ISO codes), to check resolution, not just names.
SEED_PLACES = {"Kaluga": "RU", "Tver": "RU", "Istra": "RU", "Crimea": "UA", "Romania": "RO"}
_QUALIFIER = {"at least": "at_least", "more than": "more_than", "about": "about", "up to": "up_to"}


def scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_events", SCORER)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _published(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    d = dt.date.fromisoformat(value[:10])
    return dt.datetime(d.year, d.month, d.day, 12, tzinfo=dt.UTC)


def _article(pid: str, text: str, published: str | None, title: str | None = None) -> Article:
    return Article(id=ids.article_id(url=None, text=text) + "", url=None, title=title, text=text,
                   published_at=_published(published), ingested_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))


# ---------------------------------------------------------------- the three sets
Gold = list[dict[str, Any]]  # one passage a line: {id, text, published_at, events: [...]}, scorer format


def test_split(*, per_sentence: bool = False, split: str = "test") -> Gold:
    records, _ = corpus_mod.read()
    out = []
    for r in records:
        if r["split"] != split:
            continue
        events = []
        for e in r["events"]:
            s = r["sentences"][e["sentence"]]
            q = e.get("quantity") or {}
            events.append({"type": e["type"], "stance": e["stance"], "quantity": q.get("value"),
                           "quantity_qualifier": q.get("qualifier"), "locations": e["locations"],
                           "evidence": r["text"][s["start"] : s["end"]], "time": e.get("time"),
                           "date": e.get("date")})
        if not per_sentence:
            events = _merge_restatements(events, [e.get("same_as") for e in r["events"]])
        out.append({"id": r["doc_id"], "text": r["text"], "published_at": r["published_at"],
                    "title": r.get("title"), "events": events})
    return out


def _merge_restatements(events: list[dict[str, Any]], same_as: list[int | None]) -> list[dict[str, Any]]:
    """One gold event per incident: a restatement joins its first mention (the guideline's unit).

    The first mention that gives a quantity speaks for the group; locations are the union.
    """
    groups: dict[int, list[dict[str, Any]]] = {}
    for i, (event, first) in enumerate(zip(events, same_as, strict=True)):
        groups.setdefault(i if first is None else first, []).append(event)
    merged = []
    for members in groups.values():
        lead = next((m for m in members if m["quantity"] is not None), members[0])
        places = list(dict.fromkeys(loc for m in members for loc in m["locations"]))
        merged.append({**lead, "locations": places})
    return merged


def dev_real() -> Gold:
    rows = [json.loads(line) for line in DEV_REAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{**r, "id": str(r["id"])} for r in rows]


def samples() -> Gold:
    """The project's own fictional sample articles (samples/articles.gold.jsonl)."""
    rows = [json.loads(line) for line in SAMPLES_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{**r, "id": str(r["id"])} for r in rows]


def seed() -> Gold:
    gold = json.loads(SEED_GOLD.read_text(encoding="utf-8"))
    events = [{"type": e["type"], "stance": e["stance"], "quantity": e.get("count"),
               "quantity_qualifier": _QUALIFIER.get(e.get("count_qualifier") or "", "exact"),
               "locations": e.get("locations") or [], "evidence": e["evidence"]} for e in gold["events"]]
    return [{"id": "seed", "text": SEED_TEXT.read_text(encoding="utf-8"),
             "published_at": gold["article"]["published"], "title": gold["article"].get("title"),
             "events": events}]


# ---------------------------------------------------------------- running and scoring
def predict(extractor: Extractor, gold: Gold) -> tuple[dict[str, list[Event]], float]:
    articles = [_article(g["id"], g["text"], g.get("published_at"), g.get("title")) for g in gold]
    started = time.perf_counter()
    events: list[list[Event]] = []
    for i in range(0, len(articles), 16):
        events += extractor.extract_batch(articles[i : i + 16])
    seconds = time.perf_counter() - started
    return {g["id"]: ev for g, ev in zip(gold, events, strict=True)}, seconds


def _pred_row(pid: str, events: list[Event]) -> dict[str, Any]:
    return {"id": pid, "events": [{
        "type": e.type, "stance": e.stance,
        "quantity": e.quantity.value if e.quantity else None,
        "quantity_qualifier": e.quantity.qualifier if e.quantity else None,
        "locations": [loc.name for loc in e.locations], "evidence": e.evidence.sentence} for e in events]}


def score(gold: Gold, preds: dict[str, list[Event]]) -> dict[str, Any]:
    sc = scorer()
    with tempfile.TemporaryDirectory() as tmp:
        gp, pp = Path(tmp) / "gold.jsonl", Path(tmp) / "pred.jsonl"
        gp.write_text("".join(json.dumps(g) + "\n" for g in gold), encoding="utf-8")
        pp.write_text("".join(json.dumps(_pred_row(pid, ev)) + "\n" for pid, ev in preds.items()),
                      encoding="utf-8")
        metrics = sc.score(str(gp), str(pp))
    metrics.update(extra_metrics(sc, gold, preds))
    return metrics


def extra_metrics(sc: ModuleType, gold: Gold, preds: dict[str, list[Event]]) -> dict[str, Any]:
    """What the shared scorer does not report: qualifier, date and location resolution over matched pairs."""
    qual_ok = qual_n = date_ok = date_n = dated_ok = dated_n = 0
    resolved = located = by_context = 0
    gaz = gazetteer()
    for g in gold:
        gev = [sc.norm_event(e) for e in g["events"]]
        pev_raw = preds.get(g["id"], [])
        pev = [sc.norm_event(x) for x in _pred_row(g["id"], pev_raw)["events"]]
        for i, j in sc.match_passage(gev, pev):
            graw, p = g["events"][i], pev_raw[j]
            if graw.get("quantity") is not None and p.quantity and p.quantity.value == graw["quantity"]:
                qual_n += 1
                qual_ok += p.quantity.qualifier == (graw.get("quantity_qualifier") or "exact")
            for loc in p.locations:
                # Resolved: the gazetteer placed it (coordinates; a country too, except at sea).
                located += 1
                ok = loc.lat is not None and (loc.country_code is not None or loc.precision == "region")
                resolved += ok
                # Placed only by the places named with it (an unknown village in its region or country).
                by_context += ok and gaz.resolve(loc.name).precision == "unresolved"
            if "time" in graw:
                date_n += 1
                if graw.get("date"):
                    dated_n += 1
                    ok = p.occurred_on.date is not None and p.occurred_on.date.isoformat() == graw["date"]
                    dated_ok += ok
                    date_ok += ok
                elif graw.get("time"):
                    date_ok += p.occurred_on.precision != "day" or p.occurred_on.expression is not None
                else:
                    date_ok += p.occurred_on.date is None
    return {"qualifier_accuracy": qual_ok / qual_n if qual_n else None,
            "location_resolved": resolved / located if located else None,
            "location_placed_by_context": by_context / located if located else None,
            "date_accuracy": date_ok / date_n if date_n else None,
            "date_accuracy_dated": dated_ok / dated_n if dated_n else None}


def arg_span_f1(extractor: Any) -> dict[str, Any] | None:
    """Exact-match F1 of predicted argument spans against the test split's gold spans, per role."""
    if not hasattr(extractor, "predict_sentences"):
        return None
    from sitrep_extract.train import examples_from

    records, _ = corpus_mod.read()
    examples = examples_from(records, "test")
    preds = extractor.predict_sentences([e.text for e in examples], [(e.before, e.after) for e in examples])
    per: dict[str, list[int]] = {}
    for ex, pr in zip(examples, preds, strict=True):
        gold = {(r, s, e) for s, e, r in ex.spans}
        got = set(pr.spans)
        for role in {r for r, _, _ in gold | got}:
            c = per.setdefault(role, [0, 0, 0])
            g_r = {x for x in gold if x[0] == role}
            p_r = {x for x in got if x[0] == role}
            c[0] += len(g_r & p_r)
            c[1] += len(p_r - g_r)
            c[2] += len(g_r - p_r)
    tp, fp, fn = (sum(c[k] for c in per.values()) for k in range(3))

    def f1(t: int, p: int, n: int) -> float:
        return 2 * t / (2 * t + p + n) if t else 0.0

    return {"micro_f1": f1(tp, fp, fn), "per_role": {r: round(f1(*c), 3) for r, c in sorted(per.items())}}


def _cpu_busy_seconds() -> float | None:
    """CPU time the whole machine has spent busy since boot (Linux /proc/stat), None elsewhere."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class OtherLoad:
    """Cores that other processes kept busy while the block ran: a timing taken beside a training run
    or a second benchmark is not comparable with one taken on free cores."""

    cores: float | None = None

    def __enter__(self) -> OtherLoad:
        self._busy, self._own, self._wall = _cpu_busy_seconds(), time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        busy = _cpu_busy_seconds()
        if busy is None or self._busy is None:
            return
        others = (busy - self._busy) - (time.process_time() - self._own)
        self.cores = round(max(0.0, others) / max(1e-9, time.perf_counter() - self._wall), 2)


def speed(extractor: Any, gold: Gold) -> dict[str, float | None]:
    """Articles/s of the whole extractor vs the bare encoder forward pass over the same sentences."""
    with OtherLoad() as load:
        timed = _timed(extractor, gold)
    return {**timed, "other_processes_cores": load.cores}


def _timed(extractor: Any, gold: Gold) -> dict[str, float | None]:
    import torch

    from sitrep_extract.normalise.sentences import split_sentences

    articles = [_article(g["id"], g["text"], g.get("published_at"), g.get("title")) for g in gold]
    extractor.extract_batch(articles[:2])  # warm-up
    counts = sentence_counts(extractor)
    started = time.perf_counter()
    for i in range(0, len(articles), 16):
        extractor.extract_batch(articles[i : i + 16])
    full = time.perf_counter() - started
    share = screened_share(counts, sentence_counts(extractor))
    sentences = sorted((s.text for a in articles for s in split_sentences(a.text)), key=len)
    started = time.perf_counter()
    bf16 = bool(getattr(extractor, "use_bf16", False))  # the same arithmetic as the extractor's
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        for i in range(0, len(sentences), extractor.max_batch_sentences):
            enc = extractor.tokenizer(sentences[i : i + extractor.max_batch_sentences], truncation=True,
                                      max_length=128, padding=True, return_tensors="pt")
            extractor.model.encoder(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])
    bare = time.perf_counter() - started
    return {"articles": len(articles), "sentences": len(sentences),
            "extract_articles_per_s": len(articles) / full, "encoder_articles_per_s": len(articles) / bare,
            "screened_share": share}


def seed_checks(events: list[Event]) -> dict[str, Any]:
    places: dict[str, bool] = {}
    for name, cc in SEED_PLACES.items():
        hits = [loc for e in events for loc in e.locations if name.lower()[:5] in loc.name.lower()]
        places[name] = any(loc.country_code == cc and loc.lat is not None for loc in hits)
    romania = [e for e in events if e.type == "cross_border_incident" and e.stance == "denied"]
    boiler = [e for e in events if "Thank you for reading" in e.evidence.sentence]
    return {"places_resolved": places, "romania_denied": bool(romania), "boilerplate_events": len(boiler)}


# ---------------------------------------------------------------- table
ROWS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("event-type macro-F1", lambda m: m["macro"]["f1"]),
    ("event-type micro-F1", lambda m: m["micro"]["f1"]),
    ("micro precision", lambda m: m["micro"]["precision"]),
    ("micro recall", lambda m: m["micro"]["recall"]),
    ("gold / matched / predicted", lambda m: f"{m['micro']['tp'] + m['micro']['fn']}/{m['micro']['tp']}/"
                                              f"{m['micro']['tp'] + m['micro']['fp']}"),
    ("stance accuracy", lambda m: m["stance_accuracy"]),
    ("quantity accuracy", lambda m: m["quantity_accuracy"]),
    ("qualifier accuracy", lambda m: m["qualifier_accuracy"]),
    ("location recall", lambda m: m["location_recall"]),
    ("locations resolved", lambda m: m["location_resolved"]),
    ("  of them placed by context only", lambda m: m.get("location_placed_by_context")),
    ("date accuracy", lambda m: m["date_accuracy"]),
    ("no-event passages w/ FP", lambda m: f"{m['no_event_passages_with_predictions']}/{m['no_event_passages']}"),
]


def _cell(v: Any) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def table(results: dict[str, dict[str, Any]]) -> str:
    cols = list(results)
    lines = [f"| metric | {' | '.join(cols)} |", "|---|" + "---|" * len(cols)]
    for label, fn in ROWS:
        cells = []
        for c in cols:
            try:
                cells.append(_cell(fn(results[c])))
            except (KeyError, TypeError):
                cells.append("n/a")
        lines.append(f"| {label} | {' | '.join(cells)} |")
    return "\n".join(lines)


def per_type_table(m: dict[str, Any], title: str) -> str:
    lines = [f"{title}", "| type | gold | tp | fp | fn | P | R | F1 |", "|---|---|---|---|---|---|---|---|"]
    for t, v in m["per_type"].items():
        lines.append(f"| {t} | {v['gold']} | {v['tp']} | {v['fp']} | {v['fn']} | {v['precision']:.2f} | "
                     f"{v['recall']:.2f} | {v['f1']:.2f} |")
    return "\n".join(lines)


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def main(argv: list[str] | None = None) -> int:
    argv = list(argv or [])
    if argv and argv[0] == "evaluate":
        argv = argv[1:]
    ap = argparse.ArgumentParser(prog="sitrep_extract evaluate", description=__doc__.split("\n")[0])
    ap.add_argument("--artifact", type=Path, default=None)
    ap.add_argument("--sets", default="test,test-sentences,dev-real,seed,samples",
                    help="test-sentences scores the test split with restatements left unmerged, "
                         "the unit its per-sentence gold is annotated in; dev is the corpus dev split "
                         "(where assembly rules are chosen; the shipped model has trained on it)")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--json", type=Path, default=None, help="also write all metrics here")
    ap.add_argument("--dump", type=Path, default=None, help="write predictions (scorer format) here")
    ap.add_argument("--dtype", choices=("auto", "fp32", "bf16"), default="auto",
                    help="auto (as the service): bf16 autocast where the CPU has it and it measures faster")
    ap.add_argument("--screen", type=float, default=None,
                    help="an ensemble's screening level (see ensemble.py); 0 runs every member on every sentence")
    a = ap.parse_args(argv)
    from sitrep_extract.baseline import KeywordBaseline

    model = load_extractor(artifact_dir=a.artifact, use_bf16={"auto": None, "fp32": False, "bf16": True}[a.dtype],
                           screen=a.screen)
    systems: list[tuple[str, Extractor]] = [("model", model)]
    if not a.no_baseline:
        systems.append(("baseline", KeywordBaseline()))
    loaders = {"test": test_split, "test-sentences": lambda: test_split(per_sentence=True), "dev-real": dev_real,
               "seed": seed, "samples": samples, "dev": lambda: test_split(split="dev")}
    results: dict[str, dict[str, Any]] = {}
    details: dict[str, Any] = {"version": model.version, "dtype": "bf16" if model.use_bf16 else "fp32"}
    for set_name in a.sets.split(","):
        gold = loaders[set_name]()
        for sys_name, extractor in systems:
            extractor.merge = set_name != "test-sentences"
            preds, seconds = predict(extractor, gold)
            extractor.merge = True
            m = score(gold, preds)
            m["seconds"] = seconds
            if set_name == "seed":
                m["seed_checks"] = seed_checks(preds["seed"])
            if set_name == "test" and sys_name == "model":
                m["arg_span"] = arg_span_f1(extractor)
            results[f"{set_name} {sys_name}"] = m
            if a.dump:
                a.dump.mkdir(parents=True, exist_ok=True)
                (a.dump / f"{set_name}-{sys_name}.jsonl").write_text(
                    "".join(json.dumps(_pred_row(pid, ev)) + "\n" for pid, ev in preds.items()), encoding="utf-8")
    print(f"extractor {model.name} {model.version}, {'bf16 autocast' if model.use_bf16 else 'fp32'}\n")
    print(table(results))
    print()
    for key in results:
        if key.endswith("model"):
            print(per_type_table(results[key], f"\n{key}: per type"))
    if "test model" in results and results["test model"].get("arg_span"):
        print(f"\nargument-span F1 (test split, exact match): {json.dumps(results['test model']['arg_span'])}")
    if "seed model" in results:
        print(f"seed checks: {json.dumps(results['seed model']['seed_checks'])}")
    if "dev-real" in a.sets.split(","):
        details["speed"] = speed(model, dev_real())
        sp = details["speed"]
        print(f"speed (dev-real, {sp['articles']} articles, {sp['sentences']} sentences, "
              f"{torch_threads()} threads): extract {sp['extract_articles_per_s']:.1f} articles/s, "
              f"bare encoder forward {sp['encoder_articles_per_s']:.1f} articles/s"
              + (f"; {sp['screened_share']:.0%} of sentences read by the first ensemble member only"
                 if sp.get("screened_share") is not None else ""))
        if (sp["other_processes_cores"] or 0) > 0.25:
            print(f"warning: other processes kept {sp['other_processes_cores']} cores busy while this was timed; "
                  "these speeds are not comparable with a run on free cores")
    details["results"] = results
    if a.json:
        a.json.write_text(json.dumps(details, indent=2, default=str) + "\n", encoding="utf-8")
    else:
        try:
            out = default_artifact_dir() if a.artifact is None else a.artifact
            (out / "evaluation.json").write_text(json.dumps(details, indent=2, default=str) + "\n", encoding="utf-8")
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
