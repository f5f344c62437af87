"""Pages call the same access functions as the API; their refusals become the site's 404 and 403 pages.

(DRF views map the same errors to JSON in annotations.api.errors; they never reach this middleware.)"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext
from django.views.defaults import page_not_found, permission_denied

from annotations.errors import NotFound, PermissionDenied
from annotations.text.inputs import forbidden_char_message

logger = logging.getLogger(__name__)

# psycopg errors (the cause Django's OperationalError wraps) that mean "retry", not "the database is down"
TRANSIENT_CONFLICTS = {"DeadlockDetected", "SerializationFailure", "LockNotAvailable"}


class AccessErrorPages:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            return page_not_found(request, Http404(exception.message))
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, DjangoPermissionDenied(exception.message))
        return None


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


class RefuseUnstorableQuery:
    """A query parameter holding a NUL (`?q=%00`) is refused with a 400 before any view runs: PostgreSQL
    cannot compare text with it and would answer a DataError (500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, values in request.GET.lists():
            for value in [name, *values]:
                problem = forbidden_char_message(value)
                if problem:
                    message = gettext("The query parameter %(name)r %(problem)s.") % {"name": name, "problem": problem}
                    if _is_api(request):
                        return JsonResponse({name: [message]}, status=400)
                    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class DatabaseUnavailable:
    """When the database cannot be reached the answer is a 503 that says so (JSON for the API), with
    Retry-After, instead of a 500 page: clients retry, and nothing was saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        if type(exception.__cause__).__name__ in TRANSIENT_CONFLICTS:
            # Two changes met (a deadlock, a serialization failure): the database rolled this one back.
            logger.warning("transient database conflict on %s: %s", request.path, exception)
            message = "This change met another one at the same moment; nothing was saved. Send it again."
            if _is_api(request):
                response = JsonResponse({"detail": message}, status=409)
            else:
                response = HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")
            return response
        logger.error("database unavailable: %s", exception)
        message = gettext("The database is not reachable right now; nothing was saved. Try again in a minute.")
        if _is_api(request):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "30"
        return response


class UserLanguage:
    """A signed-in person's saved language wins over the cookie and Accept-Language (LocaleMiddleware
    decided those before authentication ran), so the choice follows them to any browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from annotations.selectors.profiles import profile_preferences

            language, _digits = profile_preferences(user)
            if language and language != request.LANGUAGE_CODE:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
