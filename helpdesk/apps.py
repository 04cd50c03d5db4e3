from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = "Helpdesk"

    def ready(self) -> None:
        from helpdesk import notifications  # noqa: F401  (registers who hears about tickets)
        from helpdesk.services import sla_targets  # noqa: F401  (forgets edited targets)
