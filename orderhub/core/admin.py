"""Roles (groups) and staff users in the admin, with permissions named in the reader's language.

Django stores each permission's name in English when it creates it ("Can add order", or the
``Meta.permissions`` text) and the admin's permission picker shows that stored name. Here the
picker names each permission from its code instead: the app's and the model's verbose names and
the action, all translated, so that a manager adjusting a role reads Chinese.
"""
from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext

_DEFAULT_ACTIONS = ("add", "change", "delete", "view")


def permission_label(permission: Permission) -> str:
    """``订单 | 订单 | 可以查看 订单``: where it applies and what it allows, translated."""
    content_type = permission.content_type
    try:
        model = apps.get_model(content_type.app_label, content_type.model)
    except LookupError:  # a permission of a removed app or model
        return str(permission)
    app_name = apps.get_app_config(content_type.app_label).verbose_name
    model_name = model._meta.verbose_name
    action, _sep, rest = permission.codename.partition("_")
    if action in _DEFAULT_ACTIONS and rest == model._meta.model_name:
        what = {
            "add": gettext("Can add %(model)s"), "change": gettext("Can change %(model)s"),
            "delete": gettext("Can delete %(model)s"), "view": gettext("Can view %(model)s"),
        }[action] % {"model": model_name}
    else:
        what = gettext(permission.name)
    return f"{app_name} | {model_name} | {what}"


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(obj)


class _TranslatedPermissions:
    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["form_class"] = PermissionChoiceField
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)


class RoleAdmin(_TranslatedPermissions, GroupAdmin):
    pass


class StaffUserAdmin(_TranslatedPermissions, UserAdmin):
    pass


for model, model_admin in ((Group, RoleAdmin), (get_user_model(), StaffUserAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
