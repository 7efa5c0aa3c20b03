"""The buyer's tracking page (no login): ``/t/<signed hub number>/`` and its QR code."""
from django.urls import path

from logistics.shipments.buyer_views import tracking_page, tracking_qr

urlpatterns = [
    path("<str:token>/", tracking_page, name="tracking-page"),
    path("<str:token>/qr.svg", tracking_qr, name="tracking-qr"),
]
