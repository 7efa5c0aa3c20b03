"""Shared factory_boy factories."""
from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from orders.models import Channel, Customer, GiftOrder, Hold, Order, OrderLine, Product
from orders.state_machine import Status
from orderhub.core.texts import render


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    # The eight real channels exist from the migration: Channel.objects.get(code="jd").
    code = factory.Sequence(lambda n: f"test{n}")
    abbreviation = factory.Sequence(lambda n: f"T{n}")
    name = factory.LazyAttribute(lambda o: f"{o.code} shop")
    platform = factory.LazyAttribute(
        lambda o: o.code if o.code in Channel.Platform.values else Channel.Platform.MINIPROGRAM
    )


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Faker("name", locale="zh_CN")
    phone = factory.Sequence(lambda n: f"138{n:08d}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"商品 {n}")
    category = "apparel"


class OrderFactory(factory.django.DjangoModelFactory):
    """An order in any state: ``OrderFactory(status="picking")`` (history: one 'created' row)."""

    class Meta:
        model = Order

    hub_no = factory.Sequence(lambda n: f"JD20260128{n:05d}")
    channel = factory.SubFactory(ChannelFactory)
    channel_order_no = factory.Sequence(lambda n: f"30{n:010d}")
    customer = factory.SubFactory(CustomerFactory)
    goods_amount = Decimal("199.00")
    paid_amount = Decimal("199.00")
    receiver_name = "张伟"
    receiver_phone = factory.Sequence(lambda n: f"139{n:08d}")
    receiver_province = "浙江省"
    receiver_city = "杭州市"
    receiver_district = "西湖区"
    receiver_address = "文三路 90 号"

    @classmethod
    def _create(cls, model_class, *args, status=Status.PENDING_PAYMENT, hold_reason="",
                **kwargs):
        order = model_class(*args, **kwargs)
        order.__dict__["status"] = status  # protected field: set before the first save
        order._change_reason = "created by test"
        order.save()
        if hold_reason or order.on_hold:
            # ``hold_reason="…"``: the order is held by a person for that reason.
            Hold.objects.create(order=order, source=Hold.Source.PERSON,
                                reason=hold_reason or "held by the test")
            Order.objects.filter(pk=order.pk).update(on_hold=True)
            order.on_hold = True
        return order


def open_reasons(order: Order) -> list[str]:
    """The reasons of the order's open holds, oldest first, as read (stored texts rendered)."""
    return [render(reason) for reason in Hold.objects.filter(
        order=order, released_at__isnull=True).order_by("id").values_list("reason", flat=True)]


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    channel_sku = factory.Sequence(lambda n: f"100{n:07d}")
    title = "纯棉短袖T恤 白色 L"
    quantity = 1
    unit_price = Decimal("199.00")
    amount = Decimal("199.00")


class GiftOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GiftOrder

    parent = factory.SubFactory(OrderFactory)
    hub_no = factory.LazyAttribute(lambda o: f"{o.parent.hub_no}GIFT")
    sku = "GIFT-MUG"
    title = "品牌马克杯（赠品）"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pass-for-tests-1")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()
