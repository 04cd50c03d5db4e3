from rest_framework.routers import SimpleRouter

from workflow.api.dashboard.views import DeliverableDashboardViewSet

# The same `deliverables` prefix as workflow.api.projects: this router adds only detail actions.
router = SimpleRouter(trailing_slash=False)
router.register("deliverables", DeliverableDashboardViewSet, basename="deliverable")

urlpatterns = [*router.urls]
