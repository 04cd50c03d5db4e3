from rest_framework.routers import SimpleRouter

from qc.api.inspections.views import InspectionViewSet

router = SimpleRouter(trailing_slash=False)
router.register("inspections", InspectionViewSet, basename="inspection")

urlpatterns = router.urls
