"""Channel endpoints: how a channel's pushes are verified."""
from __future__ import annotations

from django.db import transaction

from orderhub.core.errors import PermissionRefused
from orders.services import Actor

from channels.models import ChannelEndpoint

CHANGE_ENDPOINT = "channels.change_channelendpoint"


@transaction.atomic
def endpoint_secret_set(*, endpoint: ChannelEndpoint, secret: str, actor: Actor) -> ChannelEndpoint:
    """Replace the channel's webhook secret (the old one stops working at once)."""
    if actor is not None and not actor.has_perm(CHANGE_ENDPOINT):
        raise PermissionRefused("Your role may not change webhook secrets.")
    endpoint.webhook_secret = secret.strip()
    endpoint.save(update_fields=["webhook_secret", "updated_at"])
    return endpoint
