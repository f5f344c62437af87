"""Pages outside any project: sign in and out, the language switch and the JavaScript catalog, the CSRF
refusal page, and the health check."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import JavaScriptCatalog, set_language

from annotations.errors import ApplicationError
from annotations.services import accounts
from annotations.services.profiles import profile_set_preferences


class LoginView(auth_views.LoginView):
    """Sign-in, throttled like the token API: past the failure limit, 429 with Retry-After."""

    template_name = "annotations/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username, address = request.POST.get("username", ""), accounts.client_address(request)
        wait = accounts.login_retry_after(username=username, address=address)
        if wait:
            response = render(request, self.template_name, {"throttled_minutes": -(-wait // 60)}, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        accounts.login_failed(
            username=self.request.POST.get("username", ""), address=accounts.client_address(self.request)
        )
        return super().form_invalid(form)

    def form_valid(self, form):
        accounts.login_succeeded(username=form.get_user().get_username())
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    pass


_javascript_catalog = JavaScriptCatalog.as_view(packages=["annotations"])


@require_GET
def javascript_catalog(request):
    """The JavaScript translation catalog (gettext() and interpolate() for our scripts), from our origin
    (script-src 'self'). Pages ask for it as `?l=<language>&v=<version>` (workbench_i18n's
    javascript_catalog_url): such a URL always answers the same, so the browser keeps it for a year and a
    page load makes no request for it; another language or a new catalog is another URL."""
    language = request.GET.get("l", "")
    if not (language and translation.check_for_language(language)):
        return _javascript_catalog(request)
    with translation.override(language):
        response = _javascript_catalog(request)
    if request.GET.get("v"):
        patch_cache_control(response, private=True, max_age=365 * 24 * 3600, immutable=True)
    return response


@require_GET
def healthz(request):
    """For load balancers and compose health checks: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def csrf_failure(request, reason=""):
    """Says why a form was refused (usually an expired page) instead of Django's bare 403."""
    return render(request, "annotations/csrf_failure.html", {"reason": reason}, status=403)


@require_POST
def language_switch(request):
    """The header's language switch: Django's set_language (cookie, safe redirect to `next`) and, for a
    signed-in person, the choice saved on their profile so it survives sign-out and another browser.
    `digits` (latn or arab) chooses how numbers are written."""
    language = request.POST.get("language")
    digits = request.POST.get("digits") or None
    if language and not translation.check_for_language(language):
        language = None
    response = set_language(request)
    if request.user.is_authenticated and (language or digits):
        try:
            profile_set_preferences(user=request.user, language=language or None, digits=digits)
        except ApplicationError as error:
            return HttpResponseBadRequest(
                " ".join(m for ms in error.fields.values() for m in ms), content_type="text/plain; charset=utf-8"
            )
    elif digits in {"latn", "arab"}:
        response.set_cookie("workbench_digits", digits, max_age=365 * 24 * 3600, samesite="Lax")
    return response
