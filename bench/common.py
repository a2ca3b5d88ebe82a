"""Shared helpers of `python -m bench`: timing, memory, child processes, the machine."""

from __future__ import annotations

import os
import platform
import re
import subprocess  # nosec B404 - the benchmark runs this project's own CLIs
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from config.settings import PROJECT_ROOT

MB = 1024 * 1024


def ms(seconds: float) -> float:
    return round(seconds * 1000.0, 2)


def percentiles(values: list[float]) -> dict[str, float]:
    """p50 / p95 / mean (in ms) of durations given in seconds."""
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "mean": float("nan"), "n": 0}
    arr = np.asarray(values, dtype=np.float64)
    return {"p50": ms(float(np.percentile(arr, 50))), "p95": ms(float(np.percentile(arr, 95))),
            "mean": ms(float(arr.mean())), "n": len(values)}


def _proc_status(field: str, pid: str = "self") -> float:
    """A memory line of /proc/PID/status (VmRSS, VmHWM) in MB; NaN where /proc is missing."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def rss_mb() -> float:
    return _proc_status("VmRSS")


@dataclass
class ProcessRun:
    """One child process: wall time, exit code, output, and its peak resident memory."""

    seconds: float
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float
    first_output_s: float | None = None


def child_env(**settings_env: str) -> dict[str, str]:
    """The environment `make` gives the project's commands, plus settings overrides (DATA_DIR=…)."""
    env = dict(os.environ)
    env.update(PYTHONPATH=str(PROJECT_ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false", PYTHONUNBUFFERED="1")
    env.update({k.upper(): str(v) for k, v in settings_env.items()})
    return env


# Runs ``-m MODULE args…`` and reports the process's own peak RSS (VmHWM) on stderr at exit. (wait4's
# ru_maxrss is no use here: a forked child inherits the parent's high-water mark until it execs.)
LAUNCHER = """
import atexit, runpy, sys
def _peak():
    try:
        for line in open('/proc/self/status'):
            if line.startswith('VmHWM:'):
                sys.stderr.write('\\n@@peak_rss_kb=' + line.split()[1] + '\\n')
    except OSError:
        pass
atexit.register(_peak)
sys.argv = sys.argv[1:]
runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)
"""
PEAK = re.compile(r"\n?@@peak_rss_kb=(\d+)\n?")


def run_process(args: list[str], env: dict[str, str], timeout: float = 7200.0) -> ProcessRun:
    """Run ``python args…`` from the repository (``-m MODULE`` through LAUNCHER, for its peak RSS).

    ``first_output_s`` is when the child first wrote to stdout (PYTHONUNBUFFERED is set by child_env).
    """
    if args[0] == "-m":
        args = ["-c", LAUNCHER, *args[1:]]
    started = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 - fixed argv, this project's own modules
        [sys.executable, *args], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    first = None
    chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()), daemon=True)
    reader.start()
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    while True:
        block = proc.stdout.read1(65536)
        if not block:
            break
        if first is None:
            first = time.perf_counter() - started
        chunks.append(block)
    proc.wait()
    seconds = time.perf_counter() - started
    timer.cancel()
    reader.join(timeout=10)
    stderr = b"".join(err_chunks).decode("utf-8", "replace")
    peak = PEAK.search(stderr)
    return ProcessRun(
        seconds, proc.returncode, b"".join(chunks).decode("utf-8", "replace"), PEAK.sub("", stderr),
        int(peak.group(1)) / 1024.0 if peak else float("nan"), first,
    )


class Stopwatch:
    """Accumulates time spent in wrapped callables, per part name, until reset."""

    def __init__(self) -> None:
        self.parts: dict[str, float] = defaultdict(float)

    def reset(self) -> None:
        self.parts = defaultdict(float)

    def wrap(self, part: str, fn):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.parts[part] += time.perf_counter() - started

        return timed


class Timed:
    """A stand-in for an embedder or index whose named methods are timed; the rest is delegated."""

    def __init__(self, inner, watch: Stopwatch, methods: dict[str, str]) -> None:
        self._inner = inner
        for method, part in methods.items():
            setattr(self, method, watch.wrap(part, getattr(inner, method)))

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    def __len__(self) -> int:
        return len(self._inner)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def machine_info() -> dict:
    """What the figures were measured on (versions of the libraries that set the speed included)."""
    from importlib.metadata import version

    import torch

    ram = _meminfo_gib()
    return {
        "nproc": os.cpu_count(), "cpu": cpu_model(), "ram_gib": ram, "python": platform.python_version(),
        "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
        "faiss": version("faiss-cpu"), "numpy": np.__version__, "load_start": load_average(),
        "nice": os.nice(0),
    }


def _meminfo_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return float("nan")


def dir_size_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / MB, 2) if path.exists() else 0.0


def table(headers: list[str], rows: list[list]) -> str:
    """A markdown table; floats are printed with up to 3 significant decimals."""
    def cell(value) -> str:
        if isinstance(value, float):
            if value != value:  # NaN
                return "–"
            return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"
        return str(value)

    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(out)


def find_scale_dir(explicit: str | None) -> Path | None:
    """/work/shared/scale or ../shared/scale (relative to the repository), or the --scale-dir given."""
    candidates = [Path(explicit)] if explicit else [PROJECT_ROOT.parent / "shared" / "scale",
                                                    Path("/work/shared/scale")]
    for path in candidates:
        if (path / "cctv_stories.jsonl").is_file() or (path / "dxy_zh_news_unique.jsonl").is_file():
            return path
    return None
