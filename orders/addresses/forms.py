"""The address parts of a form: province → city → district as dependent selects, and a box
where a pasted address is split into the receiver's fields for the person to check.

Used by the order page (``OrderAdmin``'s form) and by the order's address change page
(``logistics.forms.AddressChangeForm``). The selects list what the table (``regions``) holds
under the chosen province and city; ``static/orders/addresses.js`` refills them from the
regions endpoint when the choice changes and fills the fields from the parse endpoint, without
reloading the page. A value stored before (a channel's own spelling, "浙江" without 省) is kept
as a choice, so that opening and saving a form never changes an address nobody touched.
"""
from __future__ import annotations

import json

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from orders.addresses.regions import region_choices, region_problem
from orders.models import Order

LEVELS = ("province", "city", "district")
PARTS = ("name", "phone", "province", "city", "district", "address")
SCRIPT = "orders/addresses.js"
STYLES = {"all": ("orders/addresses.css",)}


class RegionSelect(forms.Select):
    """A select that names its level for the script (``data-region``)."""

    class Media:
        js = (SCRIPT,)
        css = STYLES

    def __init__(self, level: str, attrs: dict | None = None) -> None:
        super().__init__(attrs={**(attrs or {}), "data-region": level})
        self.level = level

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-regions-url"] = reverse("admin:orders_address_regions")
        return context


class AddressPasteWidget(forms.Textarea):
    """The paste box, its button and the place where the parsed parts are shown to check.
    ``targets`` maps each part (``PARTS``) to the form field that receives it."""

    class Media:
        js = (SCRIPT,)
        css = STYLES

    def __init__(self, targets: dict[str, str], *, submits: bool = False) -> None:
        """``submits``: the button also posts the form as ``split`` (a page that splits on
        the server when the script does not run; the script splits in place)."""
        super().__init__(attrs={"rows": 2, "cols": 60, "data-address-paste": "",
                                "placeholder": _("e.g. 浙江省杭州市西湖区文三路 90 号 张三 13800001234")})
        self.targets = targets
        self.submits = submits

    def render(self, name, value, attrs=None, renderer=None):
        box = super().render(name, value, attrs, renderer)
        targets = {part: f"id_{field}" for part, field in self.targets.items()}
        return format_html(
            '<div class="oh-address-box">{}<div class="oh-address-paste"><button type="{}" name="split" value="1" '
            'class="button" data-address-split data-parse-url="{}" data-targets="{}">{}</button> '
            '<span class="help">{}</span></div>'
            '<div class="oh-address-parsed" data-address-parsed hidden></div></div>',
            box, "submit" if self.submits else "button", reverse("admin:orders_address_parse"),
            json.dumps(targets),
            _gettext("Split into the fields below"),
            _gettext("Check the parts it fills in before saving."),
        )


def paste_field() -> forms.CharField:
    return forms.CharField(
        label=_("Paste an address"), required=False, max_length=500,
        help_text=_("Name, phone and address in any order, as the buyer sent them."),
    )


def region_field(level: str, label) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=32,
                           widget=RegionSelect(level))


def set_region_choices(form: forms.BaseForm, fields: dict[str, str],
                       stored: dict[str, str]) -> None:
    """Fill the three selects for the chosen (posted, or initial) province and city.
    ``fields`` maps each level to its field name; ``stored`` holds the values saved before."""
    chosen = {level: _chosen(form, fields[level]) for level in LEVELS}
    names = region_choices(province=chosen["province"], city=chosen["city"])
    lists = {"province": names["provinces"], "city": names["cities"],
             "district": names["districts"]}
    blanks = {"province": _("— province —"), "city": _("— city —"),
              "district": _("— district —")}
    for level in LEVELS:
        options = list(lists[level])
        for value in (stored.get(level, ""), chosen[level]):
            if value and value not in options:
                options.append(value)
        form.fields[fields[level]].widget.choices = [("", blanks[level])] + [
            (name, name) for name in options]


def _chosen(form: forms.BaseForm, name: str) -> str:
    if form.is_bound:
        return (form.data.get(form.add_prefix(name)) or "").strip()
    value = form.initial.get(name)
    if value is None:
        value = form.fields[name].initial
    return (value or "").strip()


def check_regions(form: forms.BaseForm, fields: dict[str, str], stored: dict[str, str]) -> None:
    """Add an error to the level that does not fit the table, unless the three are the ones
    stored before (an old spelling is kept, not refused)."""
    data = form.cleaned_data
    values = {level: (data.get(fields[level]) or "").strip() for level in LEVELS}
    if values == {level: stored.get(level, "") for level in LEVELS}:
        return
    problem = region_problem(**values)
    messages = {
        "province": _("Choose the province from the list."),
        "city": _("Choose a city of the chosen province."),
        "district": _("Choose a district of the chosen city."),
    }
    if problem:
        form.add_error(fields[problem], messages[problem])


ORDER_REGION_FIELDS = {level: f"receiver_{level}" for level in LEVELS}


class OrderReceiverForm(forms.ModelForm):
    """The order page's form: the receiver's regions as selects, and the paste box."""

    receiver_paste = paste_field()
    receiver_province = region_field("province", Order._meta.get_field("receiver_province")
                                     .verbose_name)
    receiver_city = region_field("city", Order._meta.get_field("receiver_city").verbose_name)
    receiver_district = region_field("district", Order._meta.get_field("receiver_district")
                                     .verbose_name)

    class Meta:
        model = Order
        fields = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["receiver_paste"].widget = AddressPasteWidget(
            {part: f"receiver_{part}" for part in PARTS})
        if all(name in self.fields for name in ORDER_REGION_FIELDS.values()):
            set_region_choices(self, ORDER_REGION_FIELDS, self._stored())

    def _stored(self) -> dict[str, str]:
        return {level: getattr(self.instance, name) or ""
                for level, name in ORDER_REGION_FIELDS.items()}

    def clean(self):
        data = super().clean()
        if all(name in self.fields for name in ORDER_REGION_FIELDS.values()):
            check_regions(self, ORDER_REGION_FIELDS, self._stored())
        return data
