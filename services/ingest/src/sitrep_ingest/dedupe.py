"""A bounded memory of recently published article ids.

Per process and best effort: two ingest replicas, or a restart, may publish the same article twice.
The real guarantee is downstream idempotence (deterministic ids, the store upserts).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class RecentIds:
    def __init__(self, *, capacity: int, ttl_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.ttl = ttl_seconds
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def __contains__(self, article_id: object) -> bool:
        stamp = self._seen.get(article_id)  # type: ignore[call-overload]
        if stamp is None:
            return False
        if self._clock() - stamp > self.ttl:
            del self._seen[article_id]  # type: ignore[arg-type]
            return False
        return True

    def add(self, article_id: str) -> None:
        if self.capacity == 0:
            return
        self._seen[article_id] = self._clock()
        self._seen.move_to_end(article_id)
        while len(self._seen) > self.capacity:
            self._seen.popitem(last=False)

    def __len__(self) -> int:
        return len(self._seen)
