"""Pages call the same access functions as the API; their refusals become the site's 404 and 403 pages.

(DRF views map the same errors to JSON in annotations.api.errors; they never reach this middleware.)"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.views.defaults import page_not_found, permission_denied

from annotations.errors import NotFound, PermissionDenied


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
