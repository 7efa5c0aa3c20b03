"""``manage.py demo_admin [--password P] [--base-url URL]``

Creates (or resets) the demo logins and prints them: the superuser ``admin``, one staff user per
role (``orders.demo_data.DEMO_STAFF``) with the same password, and the API user ``integrator``
with its DRF token. Each run draws a new password unless ``--password`` is given; the token is
kept.
"""
from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from orders.demo_data import DEMO_STAFF, INTEGRATOR_ROLE, INTEGRATOR_USERNAME, demo_staff_ensure

ADMIN_USERNAME = "admin"
# No 0/O or 1/l/I: the password is read off a terminal and typed in.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def password_generate(length: int = 14) -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


class Command(BaseCommand):
    help = "Create or reset the demo admin, one demo user per role and an API token; print them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--password", help="Use this password instead of a random one.")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000",
                            help="Where the demo runs, for the printed links.")

    def handle(self, *args, password: str | None, base_url: str, **options) -> None:
        password = password or password_generate()
        try:
            with transaction.atomic():
                admin = self.admin_ensure(password)
                staff = demo_staff_ensure(password=password)
                token = self.integrator_token_ensure()
        except Group.DoesNotExist:
            raise CommandError("The role groups are missing: run `manage.py migrate` first.") from None
        base = base_url.rstrip("/")
        write = self.stdout.write
        write("")
        write(self.style.SUCCESS("Order Hub demo logins"))
        write(f"  Admin:    {base}/admin/")
        write(f"  API docs: {base}/api/docs/")
        write(f"  Superuser:  {admin.username} / {password}")
        roles = ", ".join(f"{user} ({DEMO_STAFF[user][0]})" for user in staff)
        write(f"  Staff, same password: {roles}")
        write(f"  API token of '{INTEGRATOR_USERNAME}' ({INTEGRATOR_ROLE}): {token.key}")
        write(f'    curl -H "Authorization: Token {token.key}" {base}/api/orders/')
        write("")

    def admin_ensure(self, password: str):
        user_model = get_user_model()
        admin, _created = user_model.objects.get_or_create(
            username=ADMIN_USERNAME, defaults={"email": "admin@example.com"}
        )
        admin.is_staff = admin.is_superuser = admin.is_active = True
        admin.set_password(password)
        admin.save()
        return admin

    def integrator_token_ensure(self) -> Token:
        """The integrator: no admin access, API only, with the integrator role's permissions."""
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=INTEGRATOR_USERNAME, defaults={"first_name": "ERP", "last_name": "integration"}
        )
        if created:
            user.set_unusable_password()
            user.save()
        user.groups.add(Group.objects.get(name=INTEGRATOR_ROLE))
        token, _created = Token.objects.get_or_create(user=user)
        return token
