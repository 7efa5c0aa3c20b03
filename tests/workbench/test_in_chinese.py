"""Every admin page a role can open reads in Chinese (issue 13, item 1).

One walk per role (and a superuser): each registered model's changelist, its add page and the
change page of one row, and every page the admins add themselves (workbench, health, boards,
the state machine, …, found from the admin's own URL patterns), over demo data made the way the
demo makes it (orders living their stories through the services, parcels, after-sales cases,
a deadline sweep). The visible text of each page (scripts, styles and hidden inputs left out)
may hold no English word but the allowed ones: platform and carrier names, SKU, API, units,
and the hub numbers, codes and names in the data itself. A failure lists every offending word
with the pages it is on.
"""
from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from orderhub.alerts.models import NotificationTarget
from orderhub.alerts.services import alert_raise
from orderhub.core.roles import ROLE_NAMES
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Words a Chinese-speaking seller reads as they are (compared case-insensitively).
ALLOWED = {
    # abbreviations staff use as such
    "sku", "skus", "api", "ip", "url", "id", "ids", "csv", "xlsx", "xls", "json", "http", "https",
    "qr", "vip", "sla", "ohi", "pos", "erp", "wms", "gbk", "utf", "openapi", "webhook", "token",
    "hmac", "sha", "md", "cron", "redis", "orm", "q", "pdf", "excel", "cny", "usd", "eur",
    "hkd", "jpy", "gmv", "no", "ok", "gift", "am", "pm", "utc", "gmt",
    # platforms, carriers, payment services, chat robots
    "taobao", "tmall", "jd", "jos", "pdd", "pinduoduo", "douyin", "shopify", "amazon", "shopee",
    "lazada", "miniprogram", "wechat", "weixin", "alipay", "wechatpay", "dingtalk", "feishu",
    "wecom", "sf", "kuaidi", "yto", "zto", "sto", "ems", "yunda", "jt", "deppon", "top", "afn",
    "mfn", "fba", "django", "lwa", "openid", "unionid",
    # keys named on the keyboard (Django's own Chinese help for multiple choice keeps them)
    "control", "command", "mac",
    # the scan station names its keys as printed on them (Enter sends, Esc leaves the order)
    "enter", "esc",
    # the language switcher names each language in itself; the product's own name
    "english", "en", "zh", "hans",
    # file formats offered for import and export
    "tsv", "yaml", "html", "ods",
    # values an operator types into a rule (customer levels)
    "normal", "svip",
    # the platforms' own names of credentials and buyer identities, as their consoles and
    # documents print them; the hub shows its Chinese label beside each (应用标识（App Key）,
    # 淘宝/天猫 buyer_open_uid, …) so that a seller finds the value to copy
    "app", "key", "secret", "app_key", "client_id", "partner_id", "shop_id", "marketplace_id",
    "aws_access_key_id", "aws_region", "buyer_open_uid", "doudian_open_id", "buyeremail",
    "buyer_id", "buyer_user_id",
    # units
    "kg", "g", "cm", "mm", "m", "h", "min", "s", "ms", "ml", "l", "pcs",
}

# Words still English on a page, each mapped to where it is and who fixes it (empty since
# issue 13 was done); the walk fails on any other word.
KNOWN: dict[str, str] = {}

WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
# A code (snake_case) on a page is a raw value that should have been shown through its label.
CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
CURRENCY = re.compile(r"[A-Z]{3}")
BRAND = "Order Hub"
SKIPPED_TAGS = {"script", "style", "template", "noscript", "svg", "code", "pre"}


class VisibleText(HTMLParser):
    """The text a person sees: no scripts, styles, or hidden elements' contents."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        hidden = "hidden" in attributes or "display:none" in (
            attributes.get("style") or "").replace(" ", "")
        if tag in SKIPPED_TAGS or (hidden and tag not in {"input", "br", "img"}):
            self._skipping.append(tag)
        elif tag == "input" and attributes.get("type") in {"submit", "button"}:
            # an input button shows its value; a <button> shows its content (handled as data)
            self.parts.append(attributes.get("value") or "")

    def handle_endtag(self, tag) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data) -> None:
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def english_words(text: str, data_words: set[str]) -> set[str]:
    text = text.replace(BRAND, " ")
    found = {code for code in CODE.findall(text)
             if code not in data_words and code not in KNOWN and code not in ALLOWED}
    for match in WORD.finditer(text):
        word = match.group().strip("'’")
        start, end = match.span()
        # part of a code: a hub number, a tracking number, an SKU, a file or an address
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if before.isdigit() or before in "-_./@#:" or after.isdigit() or after in "-_./@":
            continue
        if word in KNOWN or len(word) < 2 or word.lower() in ALLOWED or word.lower() in data_words \
                or CURRENCY.fullmatch(word) or _two_data_words(word.lower(), data_words):
            continue
        found.add(word)
    return found


def _two_data_words(word: str, data_words: set[str]) -> bool:
    """Two values of the data shown side by side ("SingaporeSingapore")."""
    return any(word[:cut] in data_words and word[cut:] in data_words
               for cut in range(2, len(word) - 1))


# --- the data --------------------------------------------------------------------------------
def seed() -> None:
    call_command("seed_demo", orders=36, seed=13, days=3, verbosity=0)
    call_command("seed_demo_tracking", seed=7, verbosity=0)
    call_command("seed_aftersales_demo", cases=12, seed=5, verbosity=0)
    call_command("sla_sweep", verbosity=0)
    NotificationTarget.objects.get_or_create(
        name="仓库主管群", defaults={"transport": NotificationTarget.Transport.WECOM,
                                 "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
                                 "team": "warehouse"})
    from orders.models import Order

    order = Order.objects.order_by("pk").first()
    alert_raise(key="walk:one", kind="low_stock", title="库存不足", order=order, team="warehouse",
                now=timezone.now())


# Columns that hold what the hub's code writes for people: their words must be translated.
PRODUCED = re.compile(r"(^|_)(reason|message|explanation|summary|error|description|note|"
                      r"resolution|help|label|problem|detail|text|"
                      # and the codes it keeps, which a page shows through their labels
                      r"kind|key|codename|func|hook|type|source|action|event|events|cause|"
                      r"status|outcome|verdict|step|team)($|_)")
NOT_DATA_APPS = {"auth", "contenttypes", "sessions", "axes", "admin"}


def data_words() -> set[str]:
    """Words in the data itself (names, numbers, addresses, product titles, typed values), not in
    what the hub's code writes for people."""
    words: set[str] = set()
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.app_label in NOT_DATA_APPS and model._meta.model_name != "user":
            continue
        names = [f.name for f in model._meta.concrete_fields
                 if isinstance(f, (models.CharField, models.TextField)) and not f.choices
                 and not PRODUCED.search(f.name)]
        if not names:
            continue
        for row in model._default_manager.values_list(*names)[:400]:
            for value in row:
                if value and not str(value).startswith("§"):
                    words.update(w.lower() for w in WORD.findall(str(value)))
                    words.update(CODE.findall(str(value)))
    return words


# --- the pages --------------------------------------------------------------------------------
def admin_pages(user) -> list[str]:
    """Every admin page ``user`` may open: changelists, add and one change page per model,
    and the admins' own pages (their URL patterns without arguments, or with the row's id)."""
    pages = [reverse("admin:index")]
    request = type("R", (), {"user": user})()
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        if not model_admin.has_module_permission(request):
            continue
        if model_admin.has_view_or_change_permission(request):
            pages.append(reverse(f"{name}_changelist"))
        if model_admin.has_add_permission(request):
            pages.append(reverse(f"{name}_add"))
        row = model._default_manager.order_by("pk").first()
        if row is not None and model_admin.has_view_or_change_permission(request, row):
            pages.append(reverse(f"{name}_change", args=[row.pk]))
            if hasattr(model_admin, "history_view"):
                pages.append(reverse(f"{name}_history", args=[row.pk]))
        for pattern in model_admin.get_urls():
            url_name = getattr(pattern, "name", None)
            if not url_name or url_name.endswith(
                    ("_changelist", "_add", "_change", "_delete", "_history", "_autocomplete")):
                continue
            if url_name.endswith(("simple_history",)):
                continue
            try:
                pages.append(reverse(f"admin:{url_name}"))
            except NoReverseMatch:
                if row is not None:
                    try:
                        pages.append(reverse(f"admin:{url_name}", args=[row.pk]))
                    except NoReverseMatch:
                        pass
    return list(dict.fromkeys(pages))


def walk(client: Client, user, vocabulary: set[str], found: dict[str, set[str]]) -> int:
    opened = 0
    for url in admin_pages(user):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        opened += 1
        for word in english_words(visible_text(response.content.decode()), vocabulary):
            found[word].add(url)
    return opened


def test_every_admin_page_of_every_role_reads_in_chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    seed()
    vocabulary = data_words()
    found: dict[str, set[str]] = defaultdict(set)
    opened = {}
    # usernames without words: the header greets each user by name
    users = [UserFactory(username=f"walker{n}", role=role) for n, role in enumerate(ROLE_NAMES)]
    users.append(get_user_model().objects.create_superuser("walker9", "r@example.com", "x"))
    for user in users:
        client = Client()
        client.force_login(user)
        opened[user.username] = walk(client, user, vocabulary, found)
    found = {word: urls for word, urls in found.items() if word not in KNOWN}
    report = "\n".join(
        f"{word}: {', '.join(sorted(urls)[:4])}{' …' if len(urls) > 4 else ''}"
        for word, urls in sorted(found.items(), key=lambda item: (-len(item[1]), item[0])))
    assert not found, f"English on Chinese admin pages ({len(found)} words):\n{report}"
    # every role opened pages (the walk really walked), the superuser more than every list
    assert all(count >= 1 for count in opened.values()), opened
    assert opened["walker9"] > 2 * len(admin.site._registry), opened
