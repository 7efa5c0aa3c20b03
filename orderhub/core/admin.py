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
from django.utils.translation import gettext_lazy as _

from orderhub.core import admin_schedules  # noqa: F401 - registers the schedules' admin
from orderhub.core.admin_labels import LabelledObjectAdmin
from orderhub.core.roles import ROLE_LABELS

_DEFAULT_ACTIONS = ("add", "change", "delete", "view")


def permission_label(permission: Permission) -> str:
    """``订单 | 订单 | 可以查看 订单``: where it applies and what it allows, translated."""
    content_type = permission.content_type
    try:
        model = apps.get_model(content_type.app_label, content_type.model)
    except LookupError:  # a permission of a removed app or model
        return str(permission)
    app_name = apps.get_app_config(content_type.app_label).verbose_name
    model_name = _model_name(model)
    action, _sep, rest = permission.codename.partition("_")
    if action in _DEFAULT_ACTIONS and rest == model._meta.model_name:
        what = {
            "add": gettext("Can add %(model)s"), "change": gettext("Can change %(model)s"),
            "delete": gettext("Can delete %(model)s"), "view": gettext("Can view %(model)s"),
        }[action] % {"model": model_name}
    else:
        what = gettext(permission.name)
    return f"{app_name} | {model_name} | {what}"


def _model_name(model) -> str:
    # simple-history names its models "historical <name>" in English, untranslatable there.
    original = getattr(model, "instance_type", None)
    if original is not None and model.__name__.startswith("Historical"):
        return gettext("historical %(model)s") % {"model": original._meta.verbose_name}
    # A model without a verbose name of its own is named from its class, in English.
    return gettext(str(model._meta.verbose_name))


def role_label(name: str) -> str:
    """A role (group) as staff read it: its label for the hub's roles, else its name."""
    label = ROLE_LABELS.get(name)
    return str(label) if label is not None else name


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(obj)


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Group) -> str:
        return role_label(obj.name)


class _TranslatedPermissions:
    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["form_class"] = PermissionChoiceField
        elif db_field.name == "groups":
            kwargs["form_class"] = RoleChoiceField
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)


class RoleFilter(admin.RelatedFieldListFilter):
    """The user list's filter by group, naming each role by its label."""

    def field_choices(self, field, request, model_admin):
        return [(group.pk, role_label(group.name)) for group in Group.objects.order_by("name")]


class RoleAdmin(_TranslatedPermissions, LabelledObjectAdmin, GroupAdmin):
    """Roles named by their labels, in the list and on a role's own pages."""

    list_display = ("role",)

    @admin.display(description=_("role"), ordering="name")
    def role(self, group: Group) -> str:
        return role_label(group.name)

    def object_label(self, obj: Group) -> str:
        return role_label(obj.name)


class StaffUserAdmin(_TranslatedPermissions, UserAdmin):
    list_filter = ("is_staff", "is_superuser", "is_active", ("groups", RoleFilter))


for model, model_admin in ((Group, RoleAdmin), (get_user_model(), StaffUserAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
