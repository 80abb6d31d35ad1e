#!/bin/bash
# One-shot job: create Sitrep's topics on the compose broker (idempotent; reruns change nothing).
# Partitions and retention come from the compose environment (SITREP_KAFKA__PARTITIONS and
# SITREP_KAFKA__RETENTION_MS in .env); dead-letter topics keep messages longer, for replay.
set -euo pipefail

bootstrap="${BOOTSTRAP_SERVERS:-kafka:9092}"
partitions="${PARTITIONS:-3}"
replication="${REPLICATION_FACTOR:-1}"
retention_ms="${RETENTION_MS:-604800000}"
dlq_retention_ms="${DLQ_RETENTION_MS:-2592000000}"
topics=/opt/kafka/bin/kafka-topics.sh

create() {
  local topic="$1" retention="$2"
  "$topics" --bootstrap-server "$bootstrap" --create --if-not-exists --topic "$topic" \
    --partitions "$partitions" --replication-factor "$replication" \
    --config "retention.ms=$retention"
}

create "${ARTICLES_TOPIC:-sitrep.articles.v1}" "$retention_ms"
create "${EXTRACTIONS_TOPIC:-sitrep.extractions.v1}" "$retention_ms"
create "${ARTICLES_TOPIC:-sitrep.articles.v1}.dlq" "$dlq_retention_ms"
create "${EXTRACTIONS_TOPIC:-sitrep.extractions.v1}.dlq" "$dlq_retention_ms"
"$topics" --bootstrap-server "$bootstrap" --describe --topic '^sitrep\..*'
echo "topics ready"
