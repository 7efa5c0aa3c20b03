"""URLs of the logistics API, included under ``api/`` by ``orderhub/urls.py``.

The order actions sit beside the orders API's own (``orders/<hub_no>/transitions/…``,
``…/hold/``, ``…/release/``) under names it does not use.
"""
from django.urls import path

from logistics.api.views import (
    OrderAddressChangeApi,
    OrderFulfilmentApi,
    OrderGiftScanApi,
    OrderRefundRequestApi,
    StockImportApi,
    StockListApi,
)
from logistics.shipments.api import Kuaidi100PushApi, OrderShipmentCreateApi, SfPushApi

app_name = "logistics-api"

urlpatterns = [
    path("orders/<slug:hub_no>/scan/", OrderGiftScanApi.as_view(), name="order-gift-scan"),
    path("orders/<slug:hub_no>/address/", OrderAddressChangeApi.as_view(),
         name="order-address"),
    path("orders/<slug:hub_no>/refund-request/", OrderRefundRequestApi.as_view(),
         name="order-refund-request"),
    path("orders/<slug:hub_no>/fulfilment/", OrderFulfilmentApi.as_view(),
         name="order-fulfilment"),
    path("orders/<slug:hub_no>/shipments/", OrderShipmentCreateApi.as_view(),
         name="order-shipment-create"),
    path("logistics/tracking/kuaidi100/", Kuaidi100PushApi.as_view(), name="tracking-kuaidi100"),
    path("logistics/tracking/sf/", SfPushApi.as_view(), name="tracking-sf"),
    path("logistics/stock/", StockListApi.as_view(), name="stock-list"),
    path("logistics/stock/import/", StockImportApi.as_view(), name="stock-import"),
]
