"""/api/schema/ (its own module: annotations.api.schema is the schema class that drf_spectacular.views imports)."""

import threading

from drf_spectacular.views import SpectacularAPIView


class SchemaView(SpectacularAPIView):
    """/api/schema/, built by one thread at a time: drf-spectacular loads its extensions' target classes
    lazily, without a lock, and two threads of a gthread worker generating the first schemas at once could
    both load one (a 500, AttributeError on the half-loaded extension)."""

    _generating = threading.Lock()

    def _get_schema_response(self, request):
        with self._generating:
            return super()._get_schema_response(request)
