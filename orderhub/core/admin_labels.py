"""Admin pages of objects whose ``str()`` is a code, named by a label instead."""
from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.utils.translation import gettext


class LabelledObjectAdmin(admin.ModelAdmin):
    """An admin of objects whose ``str()`` is a code (a role's group name, a schedule's
    function): their own pages name them by :meth:`object_label` in the title and breadcrumbs
    (``templates/admin/labelled/``), where Django would show the code."""

    change_form_template = "admin/labelled/change_form.html"
    object_history_template = "admin/labelled/object_history.html"

    def object_label(self, obj) -> str:
        raise NotImplementedError

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            label = self.object_label(obj)
            extra_context = {**(extra_context or {}), "subtitle": label, "object_label": label}
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            label = self.object_label(obj)
            extra_context = {**(extra_context or {}), "object_label": label,
                             "title": gettext("Change history: %s") % label}
        return super().history_view(request, object_id, extra_context)
