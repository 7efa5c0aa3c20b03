from django.urls import path

from orderhub.webhooks.api.views import WebhookDetailApi, WebhookListApi

urlpatterns = [
    path("", WebhookListApi.as_view(), name="webhooks-list"),
    path("<int:subscription_id>/", WebhookDetailApi.as_view(), name="webhooks-detail"),
]
