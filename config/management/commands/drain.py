"""`manage.py drain`: stop being ready, then wait while the load balancer notices."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Make /readyz answer 503 from now on (until the web server restarts), then wait "
        "--seconds so that load balancers stop sending before SIGTERM. The web pods' preStop."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seconds", type=float, default=10.0)

    def handle(self, *args, seconds: float, **options) -> None:
        marker = Path(settings.SHUTDOWN_DRAIN_FILE)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        self.stdout.write(f"Draining: /readyz answers 503; waiting {seconds:g} s")
        time.sleep(seconds)
