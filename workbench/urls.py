from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from annotations.api.schema_view import SchemaView
from annotations.pages import accounts, audit, claims, curation, exports, projects, queue, setup

urlpatterns = [
    path("", projects.home, name="home"),
    path("projects/new/", setup.project_create_page, name="project-create-page"),
    path("projects/<slug:slug>/", projects.project_page, name="project"),
    path("projects/<slug:slug>/settings/", setup.project_settings_page, name="project-settings-page"),
    path("projects/<slug:slug>/labels/", setup.labels_page, name="labels-page"),
    path("projects/<slug:slug>/members/", setup.members_page, name="members-page"),
    path("projects/<slug:slug>/import/", setup.import_page, name="import-page"),
    path("projects/<slug:slug>/documents/", setup.documents_page, name="documents-page"),
    path("documents/<int:document_id>/", setup.document_view_page, name="document-view-page"),
    path("projects/<slug:slug>/agreement/", projects.agreement_dashboard_page, name="agreement-dashboard"),
    path("projects/<slug:slug>/exports/", exports.exports_page, name="exports-page"),
    path("projects/<slug:slug>/audit/", audit.audit_page, name="audit-page"),
    path("assignments/<int:assignment_id>/", projects.workspace, name="workspace"),
    path("projects/<slug:slug>/next/", queue.queue_next_page, name="queue-next-page"),
    path("projects/<slug:slug>/adjudication/", queue.adjudication_queue_page, name="adjudication-queue-page"),
    path("adjudication/<int:document_id>/", queue.adjudication_page, name="adjudication-page"),
    path("adjudication/<int:document_id>/reopen/", curation.adjudication_reopen_page, name="adjudication-reopen-page"),
    path("projects/<slug:slug>/claims/", claims.claims_page, name="claims-page"),
    path("projects/<slug:slug>/claims/verify/", claims.claim_verify_page, name="claim-verify-page"),
    path("projects/<slug:slug>/sources/<int:source_id>/", claims.source_page, name="source-page"),
    path("claims/<int:claim_id>/", claims.claim_page, name="claim-page"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("i18n/language/", accounts.language_switch, name="language-switch"),
    # The JavaScript translation catalog, served from our origin (script-src 'self'); cached per language.
    path("i18n/catalog.js", accounts.javascript_catalog, name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/", include("annotations.api.urls", namespace="api")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    # The split view serves its script from our origin, so the page runs under `script-src 'self'`;
    # Swagger UI sets inline styles, which this one page allows (styles cannot run code).
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("healthz", accounts.healthz, name="healthz"),
]
