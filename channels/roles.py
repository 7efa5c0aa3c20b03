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

ROLES: dict[str, list[str]] = {
    # 客服 sees where an order came from and who the customer is.
    "customer_service": _VIEW,
    # 运营 keeps the channels clean: aliases, test-order rules, spreadsheets, failed deliveries.
    "operations": _VIEW + _CLEANING + [
        "channels.reprocess_delivery", "channels.upload_spreadsheet",
        "channels.undo_identitymerge", "channels.view_channelendpoint",
    ],
    # 经理: all of it, including the channels' webhook secrets.
    "manager": _VIEW + _CLEANING + [
        "channels.reprocess_delivery", "channels.upload_spreadsheet",
        "channels.undo_identitymerge", "channels.view_channelendpoint",
        "channels.add_channelendpoint", "channels.change_channelendpoint",
    ],
    "warehouse": [],
    "finance": ["channels.view_delivery"],
    "integrator": [],
}
