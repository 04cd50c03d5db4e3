from celery import shared_task

from helpdesk.services import sla


@shared_task(ignore_result=True)
def mark_sla_breaches() -> int:
    return sla.mark_breaches()
