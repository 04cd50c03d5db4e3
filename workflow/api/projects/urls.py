from rest_framework.routers import SimpleRouter

from workflow.api.projects.views import DeliverableViewSet, ProjectViewSet

router = SimpleRouter(trailing_slash=False)
router.register("projects", ProjectViewSet, basename="project")
router.register("deliverables", DeliverableViewSet, basename="deliverable")

urlpatterns = [*router.urls]
