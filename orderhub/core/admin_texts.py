"""Stored texts read in the admin: every value the admin shows passes through
:func:`orderhub.core.texts.render`, so a code with parameters (an alert's title, a hold's
reason, a fulfilment summary) reads in the staff member's language on every list and change
page, whichever app's admin shows it.

Django's admin formats each cell of a list and each read-only field through
``display_for_field`` / ``display_for_value`` (imported by name into its list template tags
and its form helpers). The admin has no hook for "how a value is shown" short of overriding
every ``ModelAdmin``; wrapping these two functions once is the one place where a rendering
cannot be forgotten by an admin written later. A value that is not a stored text passes through
unchanged, so nothing else of the admin's behaviour moves.
"""
from __future__ import annotations

from functools import wraps

from orderhub.core.texts import is_encoded, render

_INSTALLED = "_orderhub_texts"


def _rendering(display):
    if getattr(display, _INSTALLED, False):
        return display

    @wraps(display)
    def wrapper(value, *args, **kwargs):
        if isinstance(value, str) and is_encoded(value):
            value = render(value)
        return display(value, *args, **kwargs)

    setattr(wrapper, _INSTALLED, True)
    return wrapper


def install() -> None:
    """Wrap the admin's value formatting (idempotent; called from ``CoreConfig.ready``)."""
    from django.contrib.admin import helpers, utils
    from django.contrib.admin.templatetags import admin_list

    for module in (utils, helpers, admin_list):
        for name in ("display_for_field", "display_for_value"):
            if hasattr(module, name):
                setattr(module, name, _rendering(getattr(module, name)))
