from django.urls import include, path

urlpatterns = [
    path("", include("workflow.api.templates.urls")),
    path("", include("workflow.api.projects.urls")),
    path("", include("workflow.api.tasks.urls")),
    path("", include("workflow.api.dashboard.urls")),
    path("", include("workflow.api.allocations.urls")),
]
