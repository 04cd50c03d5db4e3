from rest_framework.routers import SimpleRouter

from helpdesk.api.views import TicketViewSet

router = SimpleRouter(trailing_slash=False)
router.register("tickets", TicketViewSet, basename="ticket")

urlpatterns = router.urls
