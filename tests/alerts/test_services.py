"""The one alert mechanism: raised once per key, acknowledged, resolved."""
import pytest

from orderhub.alerts.models import Alert
from orderhub.alerts.services import alert_acknowledge, alert_raise, alert_resolve
from orderhub.core.errors import Conflict
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_same_key_raises_one_alert():
    order = OrderFactory()
    first, created = alert_raise(key=f"sla:picking:{order.pk}", kind="sla", title="late", order=order)
    again, created_again = alert_raise(key=f"sla:picking:{order.pk}", kind="sla", title="late")
    assert created and not created_again
    assert first.pk == again.pk
    assert Alert.objects.count() == 1


def test_acknowledge_then_resolve_records_who(manager):
    alert, _ = alert_raise(key="stock:1", kind="low_stock", title="SKU-1 low")
    alert_acknowledge(alert=alert, actor=manager)
    with pytest.raises(Conflict, match="already acknowledged"):
        alert_acknowledge(alert=alert, actor=manager)
    resolved = alert_resolve(alert=alert, actor=None, resolution="restocked")
    assert resolved.status == Alert.AlertStatus.RESOLVED
    assert resolved.acknowledged_by == manager
    assert resolved.resolved_by is None
    assert resolved.resolution == "restocked"
