from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "aftersales"
    verbose_name = _("After-sales")

    def ready(self) -> None:
        # The order's JSON gets its return-risk score wherever it is rendered (API, webhooks
        # in the worker), and fulfilment rules may test the score: orders and logistics may
        # not import after-sales, so after-sales hands them in here.
        from aftersales.api import order_section  # noqa: F401,PLC0415
        from aftersales.risk import return_risks_of  # noqa: PLC0415
        from logistics.rules import return_risk_scorer_set  # noqa: PLC0415

        return_risk_scorer_set(return_risks_of)
