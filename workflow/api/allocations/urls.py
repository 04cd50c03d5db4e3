from rest_framework.routers import SimpleRouter

from workflow.api.allocations.views import AllocationViewSet, MemberWorkloadViewSet

router = SimpleRouter(trailing_slash=False)
router.register("allocations", AllocationViewSet, basename="allocation")
# The same `members` prefix as accounts.api: this router adds only the workload action.
router.register("members", MemberWorkloadViewSet, basename="member")

urlpatterns = [*router.urls]
