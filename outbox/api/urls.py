from django.urls import path
from rest_framework.routers import SimpleRouter

from outbox.api.views import DeliveryViewSet, EventFeedView, NotificationViewSet, WebhookViewSet

router = SimpleRouter(trailing_slash=False)
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("deliveries", DeliveryViewSet, basename="delivery")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [path("events", EventFeedView.as_view(), name="event-feed"), *router.urls]
