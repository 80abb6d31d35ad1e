"""Ingest throughput, in one run on the same generated ~3 KB articles:

(a) raw:    a bare aiokafka producer (acks=all) to the embedded broker, the baseline the issue names;
    raw_confluent: the same with a bare confluent-kafka (librdkafka) producer, the client ingest
    publishes with by default, so batch_ratio_confluent compares like with like;
(b) single: one article per POST, 64 keep-alive connections from wrk (a separate C process);
(c) batch:  500-article batches to /v1/articles/batch from an async client in its own process.

Prints a final JSON line. Needs `wrk` (Debian) for (b); without it (b) is reported as null.
    python bench/ingest.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from aiokafka import AIOKafkaProducer

from sitrep_shared.broker import EmbeddedBroker, free_port

HERE = Path(__file__).resolve().parent
TEXT = "Air defence units reported intercepting drones over the region overnight. " * 40  # ~3 KB


def article(n: int, run: str) -> dict[str, str]:
    return {"url": f"https://bench.example.org/{run}/{n}", "title": f"Bench {n}", "text": TEXT, "source": "bench"}


async def raw_producer(bootstrap: str, topic: str, count: int) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                                max_batch_size=256 * 1024)
    await producer.start()
    try:
        payloads = [json.dumps(article(i, "raw")).encode() for i in range(count)]
        started = time.perf_counter()
        futures = [await producer.send(topic, value=p, key=str(i).encode()) for i, p in enumerate(payloads)]
        await asyncio.gather(*futures)
        return count / (time.perf_counter() - started)
    finally:
        await producer.stop()


def raw_confluent_producer(bootstrap: str, topic: str, count: int) -> float:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                         "enable.idempotence": False})
    payloads = [json.dumps(article(i, "rawc")).encode() for i in range(count)]
    failed: list[object] = []
    started = time.perf_counter()
    for i, p in enumerate(payloads):
        while True:
            try:
                producer.produce(topic, value=p, key=str(i).encode(),
                                 on_delivery=lambda err, _msg: err and failed.append(err))
                break
            except BufferError:  # local queue full: let deliveries drain
                producer.poll(0.01)
    producer.flush(60)
    seconds = time.perf_counter() - started
    if failed:
        raise RuntimeError(f"{len(failed)} raw confluent deliveries failed: {failed[0]}")
    return count / seconds


def batch_client(url: str, seconds: float, concurrency: int, result: mp.Queue) -> None:
    """Runs in its own process so the client's CPU is not the server's."""
    import httpx

    async def run() -> tuple[int, int]:
        sent = errors = 0
        deadline = time.perf_counter() + seconds
        counter = 0

        async def worker(client: httpx.AsyncClient, wid: int) -> None:
            nonlocal sent, errors, counter
            while time.perf_counter() < deadline:
                counter += 1
                body = json.dumps([article(i, f"b{wid}-{counter}") for i in range(500)]).encode()
                r = await client.post(f"{url}/v1/articles/batch", content=body,
                                      headers={"content-type": "application/json"})
                if r.status_code == 200 and r.json()["accepted"] == 500:
                    sent += 500
                else:
                    errors += 1

        async with httpx.AsyncClient(timeout=60) as client:
            started = time.perf_counter()
            await asyncio.gather(*(worker(client, w) for w in range(concurrency)))
            return sent, errors, time.perf_counter() - started

    result.put(asyncio.run(run()))


def run_wrk(url: str, seconds: int) -> tuple[float | None, float | None]:
    if shutil.which("wrk") is None:
        return None, None
    out = subprocess.run(
        ["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency", "-s", str(HERE / "post_article.lua"), url],
        capture_output=True, text=True, check=True,
    ).stdout
    print(out, file=sys.stderr)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        print(f"warning: {non2xx.group(1)} non-2xx responses", file=sys.stderr)
    return rate, float(p99.group(1)) * scale[p99.group(2)] if p99 else None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--raw-count", type=int, default=50_000)
    args = parser.parse_args()

    with EmbeddedBroker() as broker:
        raw_per_s = asyncio.run(raw_producer(broker.bootstrap_servers, "bench.raw", args.raw_count))
        raw_confluent_per_s = raw_confluent_producer(broker.bootstrap_servers, "bench.rawc", args.raw_count)
        port = free_port()
        env = {**os.environ, "SITREP_KAFKA__BOOTSTRAP_SERVERS": broker.bootstrap_servers,
               "SITREP_INGEST__PORT": str(port), "SITREP_LOG_LEVEL": "WARNING",
               "SITREP_INGEST__MAX_BODY_BYTES": str(64 * 1024 * 1024)}
        server = subprocess.Popen([sys.executable, "-m", "sitrep_ingest"], env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(f"{url}/readyz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            single_per_s, p99_ms = run_wrk(url, args.seconds)
            queue: mp.Queue = mp.Queue()
            client = mp.Process(target=batch_client, args=(url, args.seconds, 4, queue))
            client.start()
            sent, errors, elapsed = queue.get()
            client.join()
            batch_per_s = sent / elapsed
        finally:
            server.terminate()
            server.wait(timeout=30)
    result = {
        "bench": "ingest",
        "raw_per_s": round(raw_per_s, 1),
        "raw_confluent_per_s": round(raw_confluent_per_s, 1),
        "single_per_s": round(single_per_s, 1) if single_per_s else None,
        "single_p99_ms": round(p99_ms, 2) if p99_ms else None,
        "batch_per_s": round(batch_per_s, 1),
        "batch_errors": errors,
        "batch_ratio": round(batch_per_s / raw_per_s, 3),
        "batch_ratio_confluent": round(batch_per_s / raw_confluent_per_s, 3),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
