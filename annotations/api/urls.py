from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse

from annotations.api import assignments, documents, projects


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([AllowAny])
def api_root(request, format=None):
    """Entry points of the API; everything else is reached from the projects."""
    return Response(
        {
            "projects": reverse("api:project-list", request=request, format=format),
            "token": reverse("api:token", request=request, format=format),
            "schema": reverse("api-schema", request=request, format=format),
            "docs": reverse("api-docs", request=request, format=format),
        }
    )


class TokenApi(ObtainAuthToken):
    """POST username and password; answers {"token": ...}. Send it as `Authorization: Token <key>`."""


app_name = "api"
urlpatterns = [
    path("", api_root, name="root"),
    path("auth/token/", TokenApi.as_view(), name="token"),
    path("projects/", projects.ProjectListApi.as_view(), name="project-list"),
    path("projects/<int:project_id>/", projects.ProjectDetailApi.as_view(), name="project-detail"),
    path("projects/<int:project_id>/documents/", documents.ProjectDocumentsApi.as_view(), name="project-documents"),
    path("assignments/", assignments.MyAssignmentsApi.as_view(), name="assignment-list"),
    path("assignments/<int:assignment_id>/", assignments.AssignmentDetailApi.as_view(), name="assignment-detail"),
    path("assignments/<int:assignment_id>/spans/", assignments.AssignmentSpansApi.as_view(), name="assignment-spans"),
    path("assignments/<int:assignment_id>/submit/", assignments.AssignmentSubmitApi.as_view(), name="assignment-submit"),
    path("spans/<int:span_id>/", assignments.SpanDetailApi.as_view(), name="span-detail"),
]
