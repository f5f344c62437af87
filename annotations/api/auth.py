"""API tokens: POST issues a new one (the old one stops working), DELETE revokes it.

Sign-in failures are throttled per username and per address (annotations.services.accounts):
past the limit the answer is 429 with Retry-After, whatever the password.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import parsers, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api.parsers import SafeJSONParser
from annotations.services import accounts

TokenOutput = inline_serializer("TokenOutput", {"token": serializers.CharField()})


class TokenApi(APIView):
    """POST username and password; answers {"token": ...}. Send it as `Authorization: Token <key>`.

    Each POST replaces the user's previous token; DELETE (authenticated) revokes the current one."""

    parser_classes = (parsers.FormParser, parsers.MultiPartParser, SafeJSONParser)
    throttle_classes = ()  # failures are counted below, per username and address, not per request

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    def get_authenticators(self):
        # Signing in must work whatever stale token or session the client still sends.
        return super().get_authenticators() if self.request and self.request.method == "DELETE" else []

    @extend_schema(request=AuthTokenSerializer, responses={200: TokenOutput})
    def post(self, request):
        username = str(request.data.get("username", ""))
        address = accounts.client_address(request)
        wait = accounts.login_retry_after(username=username, address=address)
        if wait:
            raise Throttled(wait=wait, detail="Too many failed sign-ins. Try again later.")
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            if serializer.errors.get("non_field_errors"):  # a wrong password, not a missing field
                accounts.login_failed(username=username, address=address)
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        user = serializer.validated_data["user"]
        accounts.login_succeeded(username=username)
        return Response({"token": accounts.token_rotate(user=user).key})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        accounts.token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
