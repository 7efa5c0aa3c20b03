from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    name = "orderhub.workbench"
    label = "workbench"
    verbose_name = _("Workbench")

    def ready(self) -> None:
        from django.contrib import admin
        from django.urls import reverse_lazy
        from django.utils.module_loading import autodiscover_modules

        # "View site" leads to the workbench (the hub has no public site of its own).
        admin.site.site_url = reverse_lazy("admin:index")
        autodiscover_modules("workbench", register_to=None)
