"""Root URLs: the health check, the admin, the language switch, the REST API, its schema and docs.

Each app's API lives in ``<app>/api/urls.py`` (the alerts' in ``orderhub/alerts/api/urls.py``)
and is included under ``api/``. The error
handlers answer JSON for ``/api/`` paths and Django's HTML pages elsewhere.
"""
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from orderhub.core.token_api import TokenLoginApi
from orderhub.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # The buyer's tracking page (物流溯源码): a signed link, no login.
    path("t/", include("logistics.shipments.urls")),
    path("api/auth/token/", TokenLoginApi.as_view(), name="api-token-login"),
    path("api/", include("orders.api.urls")),
    path("api/metrics/", include("orders.metrics.api.urls")),
    path("api/", include("orderhub.alerts.api.urls")),
    path("api/channels/", include("channels.api.urls")),
    path("api/finance/", include("finance.api.urls")),
    path("api/", include("logistics.api.urls")),
    path("api/webhooks/", include("orderhub.webhooks.api.urls")),
    path("api/", include("aftersales.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

handler400 = "orderhub.core.api.bad_request"
handler403 = "orderhub.core.api.permission_denied"
handler404 = "orderhub.core.api.page_not_found"
handler500 = "orderhub.core.api.server_error"
