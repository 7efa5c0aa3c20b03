"""URLs of the after-sales API, included under ``api/`` by ``orderhub/urls.py``."""
from django.urls import path

from aftersales.api.views import (
    CaseDetailApi,
    CaseListApi,
    CaseTransitionApi,
    ChannelCasesApi,
    ReturnRiskApi,
)

app_name = "aftersales-api"

urlpatterns = [
    path("channels/<slug:channel_code>/aftersales/", ChannelCasesApi.as_view(),
         name="channel-aftersales"),
    path("aftersales/", CaseListApi.as_view(), name="case-list"),
    path("aftersales/<int:pk>/", CaseDetailApi.as_view(), name="case-detail"),
    path("aftersales/<int:pk>/transitions/<slug:name>/", CaseTransitionApi.as_view(),
         name="case-transition"),
    path("aftersales/risk/<slug:hub_no>/", ReturnRiskApi.as_view(), name="return-risk"),
]
