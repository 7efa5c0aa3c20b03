"""URLs of the channels API, included under ``api/channels/`` by ``orderhub/urls.py``."""
from django.urls import path

from channels.api.views import ChannelOrdersApi

app_name = "channels-api"

urlpatterns = [
    path("<slug:channel_code>/orders/", ChannelOrdersApi.as_view(), name="channel-orders"),
]
