from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "Outbox"

    def ready(self) -> None:
        from config.metrics import register_scrape_collector
        from outbox.metrics import OutboxBacklogCollector

        register_scrape_collector(OutboxBacklogCollector())
