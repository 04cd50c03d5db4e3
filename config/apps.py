from django.apps import AppConfig


class ServiceFlowConfig(AppConfig):
    """Project-wide wiring that has to happen once per process."""

    name = "config"
    verbose_name = "ServiceFlow"

    def ready(self) -> None:
        from config import telemetry

        telemetry.configure()
