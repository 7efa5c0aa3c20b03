"""Admin forms of logistics: rule rows checked as they are typed, and the action forms of the
order page (gift scan, address change, refund request) and of the stock import."""
from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from logistics.importers import columns_help
from logistics.models import RuleAction, RuleCondition
from logistics.rules import condition_problem
from orders.addresses.forms import (
    LEVELS,
    PARTS,
    AddressPasteWidget,
    check_regions,
    paste_field,
    region_field,
    set_region_choices,
)

# Names the import view gives the files it keeps between the preview and the confirmation.
STORED_IMPORT = re.compile(r"^stock-imports/[0-9a-f]{32}\.(csv|xlsx)$")
REGION_FIELDS = {level: level for level in LEVELS}


class RuleConditionForm(forms.ModelForm):
    """Refuses a condition that could never work (wrong operator for the field, not a number)."""

    class Meta:
        model = RuleCondition
        fields = ["fact", "operator", "value"]

    def clean(self):
        data = super().clean()
        if all(data.get(name) for name in ("fact", "operator", "value")):
            problem = condition_problem(fact=data["fact"], operator=data["operator"],
                                        value=data["value"])
            if problem:
                raise ValidationError(problem)
        return data


class RuleActionForm(forms.ModelForm):
    """Each action names what it needs: a warehouse, a priority, or a value."""

    class Meta:
        model = RuleAction
        fields = ["kind", "warehouse", "priority", "value", "position"]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        needs = {
            RuleAction.Kind.ASSIGN_WAREHOUSE: ("warehouse", _("Choose the warehouse.")),
            RuleAction.Kind.SET_PRIORITY: ("priority", _("Choose the priority.")),
            RuleAction.Kind.ADD_TAG: ("value", _("Type the tag (letters, digits, - or _).")),
            RuleAction.Kind.ADD_GIFT: ("value", _("Type the gift's SKU.")),
        }
        if kind in needs:
            name, message = needs[kind]
            if data.get(name) in (None, ""):
                self.add_error(name, message)
        if kind == RuleAction.Kind.ADD_TAG and data.get("value"):
            if not re.fullmatch(r"[-a-zA-Z0-9_]{1,50}", data["value"].strip()):
                self.add_error("value", _("A tag is up to 50 letters, digits, - or _."))
        return data


class StockImportForm(forms.Form):
    file = forms.FileField(label=_("Stock sheet"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = columns_help()


class StockImportConfirmForm(forms.Form):
    stored = forms.RegexField(regex=STORED_IMPORT, widget=forms.HiddenInput)
    file_name = forms.CharField(max_length=200, widget=forms.HiddenInput)


class GiftScanForm(forms.Form):
    code = forms.CharField(label=_("Gift code"), max_length=64)


class AddressChangeForm(forms.Form):
    """The order's new receiver: a pasted address split into the fields, the regions chosen
    from the table (orders/addresses), and why it changes."""

    pasted = paste_field()
    name = forms.CharField(label=_("Receiver"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=32)
    province = region_field("province", _("Province"))
    city = region_field("city", _("City"))
    district = region_field("district", _("District"))
    address = forms.CharField(label=_("Address"), max_length=255)
    reason = forms.CharField(label=_("Reason"), max_length=500,
                             help_text=_("Kept in the order's history with the old address."))

    def __init__(self, *args, stored: dict[str, str], **kwargs) -> None:
        """``stored``: the order's receiver now (its regions stay choosable as they are)."""
        super().__init__(*args, **kwargs)
        self.stored = stored
        self.fields["pasted"].widget = AddressPasteWidget({part: part for part in PARTS},
                                                     submits=True)
        set_region_choices(self, REGION_FIELDS, stored)

    def clean(self):
        data = super().clean()
        check_regions(self, REGION_FIELDS, self.stored)
        return data

    def receiver(self) -> dict[str, str]:
        return {part: self.cleaned_data[part] for part in PARTS}


class RefundRequestForm(forms.Form):
    reason = forms.CharField(label=_("The buyer's reason"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))
