"""CPU time of running processes and their children, read from /proc (Linux)."""

import os
from pathlib import Path

from tests.benchmarks.sampling import children

TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and every live descendant, in seconds."""
    try:
        # Fields after the command name: state is 3rd, utime and stime the 14th and 15th.
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        own = (int(fields[11]) + int(fields[12])) / TICKS
        return own + sum(tree_cpu_seconds(child) for child in children(pid))
    except (FileNotFoundError, ProcessLookupError):  # exited while being read
        return 0.0


def cpu_seconds(pids: list[int]) -> float:
    return sum(tree_cpu_seconds(pid) for pid in pids)
