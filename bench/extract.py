"""Extract throughput, in one run on the same ~500-token articles:

  (a) the model's forward pass with the same tokenizer, dtype and batching: the ceiling (for an
      ensemble artifact, the first member on every sentence and the others on those it does not
      screen out); and one bare MiniLM pass over the same sentences;
  (b) offline `file` mode (in-process, model already loaded);
  (c) Kafka -> Kafka: a `python -m sitrep_extract` worker on the embedded broker, timed from the first
      article produced to the last Extraction read back; and the worker's peak RSS.

    .venv/bin/python bench/extract.py [--articles 1000] [--threads 2] [--batch-size 16] [--screen 0]

The last line printed is JSON:
{"bench": "extract", "bf16": ..., "members": ..., "screen": ..., "screened_share": ...,
 "minilm_per_s": ..., "encoder_per_s": ..., "file_per_s": ...,
 "stream_per_s": ..., "stream_ratio": ..., "rss_mb": ...}  with stream_ratio = stream_per_s / encoder_per_s
(encoder_per_s: the model's whole forward pass; minilm_per_s: one bare MiniLM pass); all in the same precision.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from sitrep_extract import runtime
from sitrep_extract.settings import ExtractSettings
from sitrep_shared.broker import EmbeddedBroker, free_port
from sitrep_shared.models import Article, ArticleCreate

ROOT = Path(__file__).resolve().parents[1]
PARTITIONS = 3


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def make_articles(n: int, *, target_tokens: int, tokenizer: object | None) -> list[Article]:
    """n distinct articles of about `target_tokens` tokens, built from the sample articles' paragraphs."""
    samples = [json.loads(line) for line in (ROOT / "samples" / "articles.jsonl").read_text().splitlines()
               if line.strip()]
    paragraphs = [p for s in samples for p in s["text"].split("\n\n") if p.strip()]

    def tokens(text: str) -> int:
        if tokenizer is None:
            return int(len(text.split()) * 1.3)
        return len(tokenizer(text)["input_ids"])  # type: ignore[operator]

    run = uuid.uuid4().hex[:6]
    articles = []
    cursor = 0
    for i in range(n):
        parts: list[str] = []
        while tokens("\n\n".join(parts)) < target_tokens:
            parts.append(paragraphs[cursor % len(paragraphs)])
            cursor += 1
        articles.append(ArticleCreate(url=f"https://bench.example/{run}/{i}", title=f"Bench article {i}",
                                      text="\n\n".join(parts), source="Bench Wire",
                                      published_at="2024-05-14T09:30:00+00:00").to_article())
    return articles


def bench_encoder(extractor: object, articles: list[Article], *, batch_size: int, bare: bool = False) -> float:
    """Articles/s through tokenizer + forward pass only, batched exactly as extract_batch batches.
    `bare`: one plain MiniLM pass instead (no heads, one member): the issue's baseline."""
    import torch

    from sitrep_extract.normalise.sentences import split_sentences

    model = extractor.model  # type: ignore[attr-defined]
    forward = (lambda ids, mask: model.encoder(input_ids=ids, attention_mask=mask)) if bare else model
    max_sentences = extractor.max_batch_sentences  # type: ignore[attr-defined]
    use_bf16 = extractor.use_bf16  # type: ignore[attr-defined]
    started = time.perf_counter()
    for b in range(0, len(articles), batch_size):
        texts = [s.text for a in articles[b:b + batch_size] for s in split_sentences(a.text)]
        texts.sort(key=len)
        for c in range(0, len(texts), max_sentences):
            enc = extractor.encode(texts[c:c + max_sentences])  # type: ignore[attr-defined]
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=use_bf16):
                forward(enc["input_ids"], enc["attention_mask"])
    return len(articles) / (time.perf_counter() - started)


def bench_file(extractor: object, articles: list[Article], *, batch_size: int, workdir: Path) -> float:
    from sitrep_extract import offline

    src, dst = workdir / "in.jsonl", workdir / "out.jsonl"
    src.write_text("".join(a.model_dump_json() + "\n" for a in articles))
    n, seconds, _ = offline.run(extractor, src, dst, batch_size=batch_size)  # type: ignore[arg-type]
    assert n == len(articles)
    return n / seconds


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bench_stream(articles: list[Article], *, threads: int, batch_size: int, workdir: Path,
                 env_extra: dict[str, str]) -> tuple[float, float]:
    """(articles/s Kafka -> Kafka, worker peak RSS in MB)."""
    with EmbeddedBroker() as broker:
        bootstrap = broker.bootstrap_servers
        articles_topic, out_topic = f"bench-articles-{uuid.uuid4().hex[:6]}", f"bench-out-{uuid.uuid4().hex[:6]}"
        admin = AdminClient({"bootstrap.servers": bootstrap})
        for future in admin.create_topics([NewTopic(t, num_partitions=PARTITIONS, replication_factor=1)
                                           for t in (articles_topic, out_topic, articles_topic + ".dlq")]).values():
            future.result(timeout=15)
        port = free_port()
        env = {**os.environ, **env_extra,
               "SITREP_KAFKA__BOOTSTRAP_SERVERS": bootstrap,
               "SITREP_KAFKA__TOPICS__ARTICLES": articles_topic,
               "SITREP_KAFKA__TOPICS__EXTRACTIONS": out_topic,
               "SITREP_GROUP_ID": f"bench-{uuid.uuid4().hex[:6]}",
               "SITREP_PORT": str(port), "SITREP_TORCH_THREADS": str(threads),
               "SITREP_BATCH_SIZE": str(batch_size), "SITREP_LOG_LEVEL": "WARNING"}
        worker_log = (workdir / "worker.log").open("wb")
        worker = subprocess.Popen([sys.executable, "-m", "sitrep_extract"], env=env, stdout=worker_log,
                                  stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 180
            while True:
                if worker.poll() is not None:
                    raise RuntimeError(f"worker exited {worker.returncode}; see {workdir / 'worker.log'}")
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError("worker not ready after 180 s")
                time.sleep(0.1)
            reader = Consumer({"bootstrap.servers": bootstrap, "group.id": f"r-{uuid.uuid4().hex[:6]}",
                               "enable.auto.commit": False, "log.connection.close": False})
            reader.assign([TopicPartition(out_topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
            producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                                 "log.connection.close": False})
            started = time.perf_counter()
            for article in articles:
                producer.produce(articles_topic, key=article.id.encode(), value=article.model_dump_json().encode())
                producer.poll(0)
            producer.flush(60)
            seen: set[bytes] = set()
            deadline = time.monotonic() + 1800
            while len(seen) < len(articles):
                if time.monotonic() > deadline or worker.poll() is not None:
                    raise RuntimeError(f"stream stalled at {len(seen)}/{len(articles)}")
                for msg in reader.consume(500, 0.5):
                    if msg.error():
                        if msg.error().code() == KafkaError._PARTITION_EOF:
                            continue
                        raise RuntimeError(str(msg.error()))
                    seen.add(msg.key())
            seconds = time.perf_counter() - started
            reader.close()
            rss = peak_rss_mb(worker.pid)
            worker.send_signal(signal.SIGTERM)
            code = worker.wait(timeout=60)
            if code != 0:
                log(f"warning: worker exited {code} after SIGTERM")
            return len(articles) / seconds, rss
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
            worker_log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000, help="articles for the stream run (>= 1000)")
    parser.add_argument("--offline-articles", type=int, default=None,
                        help="articles for (a) and (b); default: same as --articles")
    parser.add_argument("--tokens", type=int, default=500, help="target tokens per article")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--bf16", choices=["auto", "on", "off"], default="auto")
    parser.add_argument("--screen", type=float, default=None,
                        help="an ensemble's screening level (0: every member reads every sentence); "
                             "default: the extractor's")
    args = parser.parse_args(argv)

    settings = ExtractSettings(torch_threads=args.threads, batch_size=args.batch_size, bf16=args.bf16,
                               ensemble_screen=args.screen)
    extractor = runtime.load(settings)
    runtime.warm_up(extractor)
    tokenizer = getattr(extractor, "tokenizer", None)
    articles = make_articles(args.articles, target_tokens=args.tokens, tokenizer=tokenizer)
    offline_articles = articles[: args.offline_articles or args.articles]
    if tokenizer is not None:
        mean_tokens = sum(len(tokenizer(a.text)["input_ids"]) for a in articles[:50]) / min(50, len(articles))
        log(f"{len(articles)} articles, ~{mean_tokens:.0f} tokens each; threads={args.threads} "
            f"batch={args.batch_size} bf16={getattr(extractor, 'use_bf16', None)}")

    model = extractor.model  # type: ignore[attr-defined]
    members = len(getattr(model, "members", [None]))
    screen = getattr(model, "screen", None) if members > 1 else None
    minilm_per_s = bench_encoder(extractor, offline_articles, batch_size=args.batch_size, bare=True)
    log(f"(a0) one bare MiniLM pass: {minilm_per_s:.1f} articles/s")
    encoder_per_s = bench_encoder(extractor, offline_articles, batch_size=args.batch_size)
    log(f"(a) model forward pass ({members} member{'s' if members > 1 else ''}): {encoder_per_s:.1f} articles/s")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        counts = runtime.sentence_counts(extractor)
        file_per_s = bench_file(extractor, offline_articles, batch_size=args.batch_size, workdir=workdir)
        share = runtime.screened_share(counts, runtime.sentence_counts(extractor))  # None for one model
        log(f"(b) offline file mode:    {file_per_s:.1f} articles/s"
            + (f" ({share:.0%} of sentences screened out at {screen})" if share is not None else ""))
        # The worker gets the precision measured here: under "auto" it would time its own forward
        # pass and could choose the other one, and the ratio would compare fp32 with bf16.
        bf16 = bool(getattr(extractor, "use_bf16", False))
        del extractor, model  # the worker process holds its own copy
        env_extra = {"SITREP_BF16": "on" if bf16 else "off"}
        if screen is not None:
            env_extra["SITREP_ENSEMBLE_SCREEN"] = str(screen)
        stream_per_s, rss_mb = bench_stream(articles, threads=args.threads, batch_size=args.batch_size,
                                            workdir=workdir, env_extra=env_extra)
    log(f"(c) Kafka -> Kafka:        {stream_per_s:.1f} articles/s; worker peak RSS {rss_mb:.0f} MB")
    print(json.dumps({
        "bench": "extract",
        "bf16": bf16,
        "members": members,
        "screen": screen,
        "screened_share": None if share is None else round(share, 3),
        "minilm_per_s": round(minilm_per_s, 2),
        "encoder_per_s": round(encoder_per_s, 2),
        "file_per_s": round(file_per_s, 2),
        "stream_per_s": round(stream_per_s, 2),
        "stream_ratio": round(stream_per_s / encoder_per_s, 3),
        "rss_mb": round(rss_mb, 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
