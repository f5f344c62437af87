"""Pages outside any project: sign in and out, the CSRF refusal page, and the health check."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


class LoginView(auth_views.LoginView):
    template_name = "annotations/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@require_GET
def healthz(request):
    """For load balancers and compose health checks: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def csrf_failure(request, reason=""):
    """Says why a form was refused (usually an expired page) instead of Django's bare 403."""
    return render(request, "annotations/csrf_failure.html", {"reason": reason}, status=403)
