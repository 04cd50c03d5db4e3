from rest_framework.routers import SimpleRouter

from workflow.api.templates.views import TemplateVersionViewSet, TemplateViewSet

router = SimpleRouter(trailing_slash=False)
router.register("templates", TemplateViewSet, basename="template")
router.register("template-versions", TemplateVersionViewSet, basename="template-version")

urlpatterns = [*router.urls]
