"""Where `make bench` leaves its figures: printed, and kept in var/bench/*.json."""

import json

from django.conf import settings

RESULTS = settings.VAR_DIR / "bench" / "results.json"
# The endpoints beside plain DRF (test_api_overhead), then every other figure of the run.
ONE_TABLE = settings.VAR_DIR / "bench" / "api_overhead.json"
RECORDED: dict[str, dict] = {}  # what this session recorded, for the closing table


def record(name: str, figures: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[name] = RECORDED[name] = figures
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"\n{name}: {figures}")
