from django.apps import AppConfig


class QcConfig(AppConfig):
    name = "qc"
    verbose_name = "Quality control"

    def ready(self) -> None:
        # Each module registers its part with the workflow's hooks (workflow/hooks.py); qc is
        # listed before the admin, which reads the task actions when it loads.
        from qc import checklist_checks, inspection_actions, notifications, signoff_listeners  # noqa: F401
