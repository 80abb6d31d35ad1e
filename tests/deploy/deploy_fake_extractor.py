"""A model-free extractor for running the real `python -m sitrep_extract` process in the deployment tests.

`SITREP_EXTRACTOR_FACTORY=deploy_fake_extractor:make` (with tests/deploy on PYTHONPATH) swaps only the model:
the HTTP server, worker, Kafka plumbing and metrics registry are the service's own, so /metrics exports
exactly the series production does. The real model is not trained on this machine yet and takes long to load.
"""

from __future__ import annotations

from sitrep_shared import ids
from sitrep_shared.models import Article, Event, Evidence


class DeployFakeExtractor:
    name = "deploy-fake"
    version = "0.0.0"

    def extract_batch(self, articles: list[Article]) -> list[list[Event]]:
        return [self._events(article) for article in articles]

    @staticmethod
    def _events(article: Article) -> list[Event]:
        start = article.text.find("drone")
        if start < 0:
            return []
        end = start + len("drone")
        return [Event(event_id=ids.event_id(article_id=article.id, event_type="shootdown", start=start, end=end),
                      type="shootdown", confidence=0.9, summary=article.text[:120], stance="asserted",
                      evidence=Evidence(sentence=article.text[:200], start=start, end=end))]


def make(_settings: object) -> DeployFakeExtractor:
    return DeployFakeExtractor()
