"""Where `make bench` leaves its figures: printed, and kept in var/bench/results.json."""

import json

from django.conf import settings

RESULTS = settings.VAR_DIR / "bench" / "results.json"


def record(name: str, figures: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[name] = figures
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"\n{name}: {figures}")
