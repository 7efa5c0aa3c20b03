"""``POST /api/auth/token/``: a user name and password exchanged for the user's API token.

The token is DRF's (the one ``manage.py drf_create_token`` makes; made here when the user has
none). Failed attempts are counted by django-axes exactly as the admin's login form is:
after ``AXES_FAILURE_LIMIT`` failures for one user name from one address, further attempts
answer 429 until ``AXES_COOLOFF_MINUTES`` have passed, a right password included.
"""
from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orderhub.core.api import ApiErrorSerializer, ApiValidationErrorSerializer
from orderhub.core.errors import DomainError


class LoginRefused(DomainError):
    status_code = 401
    code = "login_refused"


class LockedOut(DomainError):
    status_code = 429
    code = "locked_out"


class TokenLoginInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class TokenLoginOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_lazy("Send it as `Authorization: Token <token>`."))


class TokenLoginApi(APIView):
    """Exchange a user name and password for the API token (throttled by django-axes)."""

    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        tags=["auth"], operation_id="auth_token_create", auth=[],
        summary="Log in: a user name and password for the API token",
        request=TokenLoginInputSerializer,
        responses={
            200: TokenLoginOutputSerializer,
            400: OpenApiResponse(ApiValidationErrorSerializer, description="Missing fields."),
            401: OpenApiResponse(ApiErrorSerializer, description="Wrong user name or password."),
            429: OpenApiResponse(ApiErrorSerializer, description="Too many failed attempts."),
        },
    )
    def post(self, request: Request) -> Response:
        given = TokenLoginInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        # django-axes reads the address and flags a lock-out on the Django request itself.
        http_request = request._request
        user = authenticate(http_request, username=given.validated_data["username"],
                            password=given.validated_data["password"])
        if getattr(http_request, "axes_locked_out", False):
            raise LockedOut(_("Too many failed logins: try again later."))
        if user is None or not user.is_active:
            raise LoginRefused(_("Wrong user name or password."))
        # A login like the admin's: django-axes clears the failures, last_login is kept.
        user_logged_in.send(sender=type(user), request=http_request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
