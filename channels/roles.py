"""What each staff role may do in the channels app (merged by ``orderhub.core.roles``)."""
from __future__ import annotations

_VIEW = [
    "channels.view_delivery", "channels.view_refuseddelivery", "channels.view_skualias",
    "channels.view_customeridentity", "channels.view_identitymerge",
]
_CLEANING = [
    "channels.add_skualias", "channels.change_skualias", "channels.delete_skualias",
    "channels.view_testorderrule", "channels.add_testorderrule",
    "channels.change_testorderrule", "channels.delete_testorderrule",
    "channels.view_identitymatchsettings", "channels.change_identitymatchsettings",
]

# Shipping write-backs: who sees them (on the order page and in their list), who sends one
# again, and who keeps the channels' API access (credentials shown masked).
_WRITEBACK_VIEW = ["channels.view_writeback", "channels.view_writebackattempt"]
_WRITEBACK_KEEP = _WRITEBACK_VIEW + [
    "channels.retry_writeback", "channels.view_channelapiaccess",
    "channels.add_channelapiaccess", "channels.change_channelapiaccess",
]

ROLES: dict[str, list[str]] = {
    # 客服 sees where an order came from and who the customer is.
    "customer_service": _VIEW + _WRITEBACK_VIEW,
    # 运营 keeps the channels clean: aliases, test-order rules, spreadsheets, failed deliveries.
    "operations": _VIEW + _CLEANING + _WRITEBACK_KEEP + [
        "channels.reprocess_delivery", "channels.upload_spreadsheet",
        "channels.undo_identitymerge", "channels.view_channelendpoint",
    ],
    # 经理: all of it, including the channels' webhook secrets.
    "manager": _VIEW + _CLEANING + _WRITEBACK_KEEP + [
        "channels.reprocess_delivery", "channels.upload_spreadsheet",
        "channels.undo_identitymerge", "channels.view_channelendpoint",
        "channels.add_channelendpoint", "channels.change_channelendpoint",
    ],
    # 仓库 hands the parcels over: it sees whether the channel took the confirmation.
    "warehouse": _WRITEBACK_VIEW,
    "finance": ["channels.view_delivery"],
    "integrator": [],
}
