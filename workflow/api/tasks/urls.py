from django.urls import path
from rest_framework.routers import SimpleRouter

from workflow.api.tasks.bulk import BulkTaskActionView
from workflow.api.tasks.views import DeliverableTaskViewSet, TaskViewSet

router = SimpleRouter(trailing_slash=False)
router.register("tasks", TaskViewSet, basename="task")

urlpatterns = [
    *router.urls,
    # Not in the `deliverables` router (workflow.api.projects): the same list as /tasks, narrowed.
    path(
        "deliverables/<int:deliverable_id>/tasks",
        DeliverableTaskViewSet.as_view({"get": "list"}),
        name="deliverable-tasks",
    ),
    path(
        "deliverables/<int:deliverable_id>/tasks/bulk-actions",
        BulkTaskActionView.as_view(),
        name="deliverable-tasks-bulk-actions",
    ),
]
