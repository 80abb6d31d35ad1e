"""Stopping the processes a test started: SIGTERM to all, then SIGKILL any that outlive the timeout."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable


def stop_processes(processes: Iterable[subprocess.Popen[bytes]], *, timeout: float = 30) -> None:
    """Terminate every process first (so they shut down together), then wait for each, killing stragglers."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
