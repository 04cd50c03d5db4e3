from django.urls import path

from qc.api.signoffs.views import SignOffView

urlpatterns = [
    path(
        "deliverables/<int:deliverable_id>/signoffs",
        SignOffView.as_view(),
        name="deliverable-signoffs",
    ),
]
