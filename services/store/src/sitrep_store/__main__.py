"""`python -m sitrep_store`: the query API, web view and consumer in one process."""

from __future__ import annotations

import os
import sys

import uvicorn

from sitrep_shared import logging as sitrep_logging
from sitrep_store.app import create_app
from sitrep_store.settings import StoreSettings


def main() -> None:
    settings = StoreSettings()
    sitrep_logging.configure("store", settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None,
                timeout_graceful_shutdown=20)
    if os.environ.get("SITREP_STORE_CRASHED"):
        sys.exit(1)


if __name__ == "__main__":
    main()
