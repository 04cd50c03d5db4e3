from rest_framework.routers import SimpleRouter

from qc.api.checklists.views import ChecklistVersionViewSet, ChecklistViewSet

router = SimpleRouter(trailing_slash=False)
router.register("checklists", ChecklistViewSet, basename="checklist")
router.register("checklist-versions", ChecklistVersionViewSet, basename="checklist-version")

urlpatterns = [*router.urls]
