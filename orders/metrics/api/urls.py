"""URLs of the metrics API, included under ``api/metrics/`` by ``orderhub/urls.py``."""
from django.urls import path

from orders.metrics.api.views import HealthApi

app_name = "metrics-api"

urlpatterns = [path("health/", HealthApi.as_view(), name="health")]
