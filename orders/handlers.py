"""What the orders app does when events arrive (``orderhub.events`` imports this module)."""
from orders.metrics import handlers as metrics_handlers  # noqa: F401 - registers the handler
