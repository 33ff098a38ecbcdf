"""Small measuring helpers shared by the benchmark steps: child processes with their peak RSS, percentiles."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    """A finished child process: exit status, wall time, peak RSS, and its output."""

    returncode: int
    seconds: float
    rss_mb: float
    stdout: str
    stderr: str


def child_env(**overrides: str) -> dict:
    """This environment without QA_* settings or OMP_NUM_THREADS, so children run with the product's defaults."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_") and k != "OMP_NUM_THREADS"}
    return {**env, **overrides}


def run_measured(command: list[str], timeout: float, env: dict | None = None) -> Run:
    """Run a command to completion; its own peak RSS comes from wait4 (not the whole process tree's)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT, env=env, text=True)
        status, usage = _wait4(process, timeout)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Run(os.waitstatus_to_exitcode(status), round(seconds, 2), round(usage.ru_maxrss / 1024, 1),
                   out.read(), err.read())


def _wait4(process: subprocess.Popen, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return status, usage
        if time.monotonic() > deadline:
            process.kill()
            return os.wait4(process.pid, 0)[1:]
        time.sleep(0.05)


def run_polled(command: list[str], timeout: float, env: dict | None = None, every: float = 0.02) -> Run:
    """Like `run_measured`, but the peak RSS is the child's VmHWM, read every `every` seconds while it runs.

    wait4's ru_maxrss is no good when this process is large: Linux carries the parent's resident size
    over fork and exec into the child's figure (a 50 MB child of a 600 MB parent reports 627 MB).
    VmHWM belongs to the child's own address space, made new by exec.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT, env=env, text=True)
        peak, deadline = 0.0, time.monotonic() + timeout
        while process.poll() is None:
            peak = max(peak, _vm_hwm_mb(process.pid))
            if time.monotonic() > deadline:
                process.kill()
            time.sleep(every)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Run(process.returncode, round(seconds, 2), round(peak, 1), out.read(), err.read())


def _vm_hwm_mb(pid: int) -> float:
    try:
        value = peak_rss_mb(pid)
    except OSError:  # it has just ended
        return 0.0
    return 0.0 if value != value else value  # NaN once the process is a zombie


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a running process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def percentiles_ms(seconds: list[float]) -> dict:
    values = np.array(seconds, dtype=np.float64) * 1000
    if not len(values):
        return {"p50": None, "p95": None}
    return {"p50": round(float(np.percentile(values, 50)), 1), "p95": round(float(np.percentile(values, 95)), 1)}
