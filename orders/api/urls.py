"""URLs of the orders API, included under ``api/`` by ``orderhub/urls.py``."""
from django.urls import path

from orders.api.views import (
    OrderDetailApi,
    OrderHoldApi,
    OrderListApi,
    OrderReleaseHoldApi,
    OrderTransitionApi,
)

app_name = "orders-api"

# Hub numbers and move names are slugs; anything else is a 404 before it reaches the database.
urlpatterns = [
    path("orders/", OrderListApi.as_view(), name="order-list"),
    path("orders/<slug:hub_no>/", OrderDetailApi.as_view(), name="order-detail"),
    path(
        "orders/<slug:hub_no>/transitions/<slug:name>/",
        OrderTransitionApi.as_view(),
        name="order-transition",
    ),
    path("orders/<slug:hub_no>/hold/", OrderHoldApi.as_view(), name="order-hold"),
    path("orders/<slug:hub_no>/release/", OrderReleaseHoldApi.as_view(), name="order-release"),
]
