from django.urls import include, path

urlpatterns: list = [
    path("", include("qc.api.checklists.urls")),
    path("", include("qc.api.inspections.urls")),
    path("", include("qc.api.signoffs.urls")),
]
