from django.urls import path

from tests.benchmarks.plain import views

urlpatterns = [
    path("plain/health", views.health),
    path("plain/orgs/<int:organization_id>/tickets", views.TicketList.as_view()),
    path("plain/orgs/<int:organization_id>/tickets/<str:key>", views.TicketDetail.as_view()),
    path(
        "plain/orgs/<int:organization_id>/tickets/<str:key>/actions",
        views.TicketActions.as_view(),
    ),
    path(
        "plain/orgs/<int:organization_id>/tasks/<int:task_id>/actions",
        views.TaskActions.as_view(),
    ),
]
