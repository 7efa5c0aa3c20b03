"""Cross-border payloads written from each platform's documentation: Amazon SP-API Orders v0
(getOrders, getOrderItems), Shopee Open Platform v2 (v2.order.get_order_detail) and Lazada Open
Platform (/orders/get, /orders/items/get). Builders return Python objects; ``dumps`` writes
them as the platform does (amounts that are JSON numbers stay numbers)."""
from __future__ import annotations

import json
from decimal import Decimal

def dumps(payload) -> bytes:
    """JSON as the platform writes it: a Decimal is a bare JSON number (``25.89``)."""
    return json.dumps(payload, ensure_ascii=False, default=float).encode()


AMAZON_ORDER_ID = "114-3941689-8772232"
SHOPEE_ORDER_SN = "260128ABCD1X2Y"
LAZADA_ORDER_ID = 473208811150713  # a number on the wire, 15 digits


# --- Amazon: getOrders / getOrderItems ------------------------------------------------------
def amazon_order(**overrides) -> dict:
    order = {
        "AmazonOrderId": AMAZON_ORDER_ID,
        "SellerOrderId": "SO-88120",
        "PurchaseDate": "2026-01-28T02:15:02Z",
        "LastUpdateDate": "2026-01-28T02:46:13Z",
        "OrderStatus": "Unshipped",
        "FulfillmentChannel": "MFN",
        "SalesChannel": "Amazon.com",
        "ShipServiceLevel": "Std US D2D Dom",
        "OrderTotal": {"CurrencyCode": "USD", "Amount": "45.97"},
        "NumberOfItemsShipped": 0,
        "NumberOfItemsUnshipped": 3,
        "PaymentMethod": "Other",
        "MarketplaceId": "ATVPDKIKX0DER",
        "ShipmentServiceLevelCategory": "Standard",
        "OrderType": "StandardOrder",
        "EarliestShipDate": "2026-01-28T08:00:00Z",
        "LatestShipDate": "2026-01-30T07:59:59Z",
        "IsBusinessOrder": False,
        "IsPrime": False,
        "ShippingAddress": {"Name": "Jane Doe", "AddressLine1": "1200 Pine St",
                            "AddressLine2": "Apt 4", "City": "Seattle",
                            "StateOrRegion": "WA", "PostalCode": "98101-2222",
                            "CountryCode": "US", "Phone": "+1 206-555-0142"},
        "BuyerInfo": {"BuyerEmail": "3lk9x2mzq8w7@marketplace.amazon.com"},
    }
    order.update(overrides)
    return order


def amazon_items(**overrides) -> list[dict]:
    items = [
        {"ASIN": "B0C1H2KQ7M", "SellerSKU": "KIDS-TEE-RED-110", "OrderItemId": "68828574383266",
         "Title": "Kids Cotton T-Shirt, Red, 110", "QuantityOrdered": 2, "QuantityShipped": 0,
         # ItemPrice is the price of the whole quantity: 2 × 12.99
         "ItemPrice": {"CurrencyCode": "USD", "Amount": "25.98"},
         "ShippingPrice": {"CurrencyCode": "USD", "Amount": "4.99"},
         "PromotionDiscount": {"CurrencyCode": "USD", "Amount": "2.00"},
         "ItemTax": {"CurrencyCode": "USD", "Amount": "0.00"}},
        {"ASIN": "B0C1H3PZ2A", "SellerSKU": "KIDS-SOCK-5P", "OrderItemId": "68828574383267",
         "Title": "Kids Socks, 5 pairs", "QuantityOrdered": 1, "QuantityShipped": 0,
         "ItemPrice": {"CurrencyCode": "USD", "Amount": "17.00"}},
    ]
    for item in items:
        item.update(overrides)
    return items


def amazon_get_orders(*orders: dict) -> dict:
    return {"payload": {"Orders": list(orders) or [amazon_order()],
                        "LastUpdatedBefore": "2026-01-28T03:00:00Z"}}


def amazon_get_order_items(order_id: str = AMAZON_ORDER_ID, items: list | None = None) -> dict:
    return {"payload": {"AmazonOrderId": order_id,
                        "OrderItems": items if items is not None else amazon_items()}}


# --- Shopee: v2.order.get_order_detail --------------------------------------------------------
def shopee_order(**overrides) -> dict:
    order = {
        "order_sn": SHOPEE_ORDER_SN,
        "region": "SG",
        "currency": "SGD",
        "cod": False,
        "total_amount": Decimal("25.89"),
        "order_status": "READY_TO_SHIP",
        "shipping_carrier": "Ninja Van",
        "payment_method": "Credit Card/Debit Card",
        "estimated_shipping_fee": Decimal("1.99"),
        "message_to_seller": "please pack well",
        "create_time": 1769566502,  # 2026-01-28 02:15:02 UTC
        "update_time": 1769566802,
        "pay_time": 1769566560,
        "days_to_ship": 3,
        "ship_by_date": 1769825702,
        "buyer_user_id": 1234567890123,
        "buyer_username": "kidsmom_sg",
        "recipient_address": {"name": "Tan Mei Ling", "phone": "6591234567", "town": "",
                              "district": "", "city": "Singapore", "state": "",
                              "region": "SG", "zipcode": "560123",
                              "full_address": "Blk 123 Ang Mo Kio Ave 3, #05-67"},
        "item_list": [
            {"item_id": 2203344556, "item_name": "Kids Cotton T-Shirt", "item_sku": "KIDS-TEE",
             "model_id": 10023456789, "model_name": "Red,110", "model_sku": "KIDS-TEE-RED-110",
             "model_quantity_purchased": 2, "model_original_price": Decimal("14.9"),
             "model_discounted_price": Decimal("11.95"), "weight": Decimal("0.2")},
        ],
        "package_list": [{"package_number": "OFG1234567890", "logistics_status":
                          "LOGISTICS_READY", "shipping_carrier": "Ninja Van"}],
    }
    order.update(overrides)
    return order


def shopee_detail_response(*orders: dict) -> dict:
    return {"request_id": "a3f1e1bfe3ad4b0b8b7d6f6f5d3f2a10", "error": "", "message": "",
            "response": {"order_list": list(orders) or [shopee_order()]}}


# --- Lazada: /orders/get and /orders/items/get --------------------------------------------------
def lazada_order(**overrides) -> dict:
    order = {
        "order_id": LAZADA_ORDER_ID,
        "order_number": LAZADA_ORDER_ID,
        "created_at": "2026-01-28 10:15:02 +0800",
        "updated_at": "2026-01-28 10:20:41 +0800",
        "price": "1,299.00",
        "shipping_fee": Decimal("8.00"),
        "voucher": Decimal("10.00"),
        "voucher_platform": 0,
        "voucher_seller": Decimal("10.00"),
        "items_count": 3,
        "statuses": ["pending"],
        "payment_method": "MIXEDCARD",
        "remarks": "",
        "customer_first_name": "Nur",
        "customer_last_name": "Aisyah",
        "buyer_id": 300012345678,
        "warehouse_code": "dropshipping",
        "address_shipping": {"first_name": "Nur", "last_name": "Aisyah", "phone": "60123456789",
                             "phone2": "", "address1": "12 Jalan Ampang", "address2": "",
                             "address3": "Kuala Lumpur", "address4": "Kuala Lumpur",
                             "address5": "50450", "city": "Kuala Lumpur",
                             "post_code": "50450", "country": "Malaysia"},
    }
    order.update(overrides)
    return order


def lazada_item(order_item_id: int, **overrides) -> dict:
    item = {
        "order_item_id": order_item_id,
        "order_id": LAZADA_ORDER_ID,
        "name": "Kids Winter Jacket",
        "variation": "Color family:Navy, Size:120",
        "sku": "KIDS-JKT-NVY-120",
        "shop_sku": "2811122233_MY-10233445566",
        "sku_id": 10233445566,
        "item_price": Decimal("649.50"),
        "paid_price": Decimal("644.50"),
        "currency": "MYR",
        "status": "pending",
        "tracking_code": "",
        "shipment_provider": "",
        "shipping_provider_type": "standard",
        "created_at": "2026-01-28 10:15:02 +0800",
        "updated_at": "2026-01-28 10:20:41 +0800",
        "sla_time_stamp": "2026-01-30T23:59:59+08:00",
    }
    item.update(overrides)
    return item


def lazada_items(**overrides) -> list[dict]:
    # Lazada keeps one item per unit: two jackets are two items.
    return [lazada_item(473208811250713, **overrides), lazada_item(473208811350713, **overrides)]


def lazada_orders_response(*orders: dict) -> dict:
    orders = list(orders) or [lazada_order()]
    return {"code": "0", "request_id": "0b86d3f117696f2a1b", "data": {
        "count": len(orders), "countTotal": len(orders), "orders": orders}}


def lazada_items_response(*entries: tuple[int, list]) -> dict:
    entries = entries or ((LAZADA_ORDER_ID, lazada_items()),)
    return {"code": "0", "request_id": "0b86d3f117696f2a1c", "data": [
        {"order_id": number, "order_number": number, "order_items": items}
        for number, items in entries]}
