"""CPU samples of running processes by py-spy (`pip install py-spy`), when it is installed.

Samples show the web workers as they serve the load, with none of a profiler's per-call cost.
Only the thread holding the GIL is sampled (`--gil`): a worker runs Python on one thread at a
time, so the samples are the worker's Python time (`RATE` per second), waits left out.
"""

import shutil
import subprocess
import sys
from pathlib import Path

RATE = 200  # samples per second and process


def py_spy() -> str | None:
    return shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def sampled_during(action, pids: list[int], seconds: int, stem: Path):
    """Run `action()` while py-spy samples `pids` for `seconds`; its result and the stacks."""
    outputs = [stem.with_name(f"{stem.name}-{pid}.txt") for pid in pids]
    samplers = [
        subprocess.Popen(
            [
                py_spy(),
                "record",
                *("--pid", str(pid), "--rate", str(RATE), "--duration", str(seconds)),
                *("--format", "raw", "--full-filenames", "--nonblocking", "--gil"),
                *("--output", str(output)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid, output in zip(pids, outputs, strict=True)
    ]
    result = action()
    for sampler in samplers:
        sampler.wait(timeout=seconds + 30)
    return result, [line for output in outputs for line in output.read_text().splitlines()]
