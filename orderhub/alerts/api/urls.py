"""URLs of the alerts API, included under ``api/`` by ``orderhub/urls.py``."""
from django.urls import path

from orderhub.alerts.api.views import (
    AlertAcknowledgeApi,
    AlertDetailApi,
    AlertListApi,
    AlertResolveApi,
)

app_name = "alerts-api"

urlpatterns = [
    path("alerts/", AlertListApi.as_view(), name="alert-list"),
    path("alerts/<int:alert_id>/", AlertDetailApi.as_view(), name="alert-detail"),
    path(
        "alerts/<int:alert_id>/acknowledge/", AlertAcknowledgeApi.as_view(),
        name="alert-acknowledge",
    ),
    path("alerts/<int:alert_id>/resolve/", AlertResolveApi.as_view(), name="alert-resolve"),
]
