"""Timing and peak memory of a command run as its own process, as a user would run it."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

VENV_BIN = Path(__file__).resolve().parents[1] / ".venv" / "bin"


@dataclass(frozen=True)
class Measured:
    seconds: float
    cpu_seconds: float  # user + system: what the work cost, however busy the machine was
    peak_mb: float
    returncode: int
    output: str


def run_measured(args: list[str], *, env: dict[str, str] | None = None) -> Measured:
    """Run ``args`` and report wall time and the child's peak resident memory (ru_maxrss)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
    )
    assert process.stdout is not None
    output = process.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(time.perf_counter() - started, cpu, usage.ru_maxrss / 1024, process.returncode, output)


def crimelink(*args: str) -> list[str]:
    return [str(VENV_BIN / "crimelink"), *args]
