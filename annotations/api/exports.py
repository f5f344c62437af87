"""Gold exports: managers request one (202), list them, follow one, download its files.

Gold names its deciders and the exports are the project's dataset, so every route is for the
project's managers: other members get 403 on the project's routes and 404 on export ids (like anyone
who is not a member), so export ids reveal nothing. Downloads are streamed from files whose names the
server made from ids (never a user-supplied path), as attachments with a fixed Content-Type, `nosniff`
and `Content-Security-Policy: sandbox`, so a file can never render as a page of our origin.
"""

from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import access_export
from annotations.api.pagination import Pagination, paginated
from annotations.api.permissions import project_for
from annotations.errors import ApplicationError, Conflict, NotFound
from annotations.exporters import FORMATS, REGISTRY, get_writer
from annotations.exporters.options import SPLIT_NAME
from annotations.models import ExportJob, JobStatus, Role
from annotations.selectors.exports import exports_of_project
from annotations.services.exports import export_file_path, export_run_create, safe_slug

DOWNLOADS = {
    # ?file= -> (which file, Content-Type or None for the format's own, what follows the data file's name)
    # The manifest and card are named like `export_gold` names them beside its output, so that saving the
    # downloads side by side is what `import_gold` expects.
    "data": ("data", None, ""),
    "manifest": ("manifest", "application/json", ".manifest.json"),
    "card": ("card", "text/markdown; charset=utf-8", ".README.md"),
    "audit": ("audit", "application/x-ndjson", ".audit.jsonl"),
}


def split_names(job: ExportJob) -> list[str]:
    return [
        item["split"]
        for item in (job.counts or {}).get("split_files") or []
        if isinstance(item, dict) and isinstance(item.get("split"), str) and SPLIT_NAME.fullmatch(item["split"])
    ]


def export_urls(request, job: ExportJob) -> dict:
    if job.status != JobStatus.DONE:
        return {"download_url": None, "manifest_url": None, "card_url": None, "split_urls": {}}
    path = reverse("api:export-download", kwargs={"export_id": job.pk})
    absolute = request.build_absolute_uri(path) if request is not None else path
    return {
        "download_url": absolute,
        "manifest_url": f"{absolute}?file=manifest",
        "card_url": f"{absolute}?file=card",
        "split_urls": {name: f"{absolute}?file={name}" for name in split_names(job)},
    }


class ExportCreateInput(serializers.Serializer):
    format = serializers.CharField(help_text=f"One of: {', '.join(FORMATS)}.")
    include_majority = serializers.BooleanField(
        default=False,
        help_text="Also export documents nobody adjudicated yet whose k reviewers all submitted, "
        "resolved by majority vote.",
    )
    splits = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        max_length=400,
        help_text="e.g. train=0.8,dev=0.1,test=0.1: one data file per split, each document's split chosen from "
        "the SHA-256 of its text (the same in every export).",
    )
    split_by_outlet = serializers.BooleanField(
        default=False, help_text="With splits: choose the split per outlet, so one outlet never spans two splits."
    )
    pseudonymize = serializers.BooleanField(
        default=False, help_text="Usernames become stable salted ids (user-<12 hex digits>)."
    )
    utf16_offsets = serializers.BooleanField(
        default=False, help_text="Also write start_utf16/end_utf16 (JavaScript string indices)."
    )
    segment_clitics = serializers.BooleanField(
        default=False,
        help_text="CoNLL only: cut tokens at clitic boundaries where a gold span starts or ends (exact BIO).",
    )
    include_audit = serializers.BooleanField(
        default=False,
        help_text="Also the project's audit trail up to the snapshot (?file=audit): who changed what, when, "
        "before and after.",
    )


class ExportCreatedOutput(serializers.ModelSerializer):
    class Meta:
        model = ExportJob
        fields = ["id", "status"]


class ExportOutput(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id")
    include_majority = serializers.SerializerMethodField()
    options = serializers.JSONField(help_text="Every option the export was made with.")
    split_urls = serializers.SerializerMethodField(help_text="When done with splits: {split: URL of its data file}.")
    requested_by = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(
        help_text="When done: the data file (add ?file=manifest or ?file=card)."
    )
    manifest_url = serializers.SerializerMethodField()
    card_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "project",
            "format",
            "include_majority",
            "options",
            "status",
            "progress",
            "counts",
            "sha256",
            "file_name",
            "download_url",
            "manifest_url",
            "card_url",
            "split_urls",
            "error",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def _urls(self, job) -> dict:
        return export_urls(self.context.get("request"), job)

    def get_include_majority(self, job) -> bool:
        return bool((job.options or {}).get("include_majority"))

    def get_split_urls(self, job) -> dict:
        return self._urls(job).get("split_urls", {})

    def get_requested_by(self, job) -> str | None:
        return job.requested_by.get_username() if job.requested_by_id else None

    def get_download_url(self, job) -> str | None:
        return self._urls(job)["download_url"]

    def get_manifest_url(self, job) -> str | None:
        return self._urls(job)["manifest_url"]

    def get_card_url(self, job) -> str | None:
        return self._urls(job)["card_url"]


# The Content-Types a download really has: each format's own, the card's, and the manifest (JSON).
DOWNLOAD_TYPES = sorted(
    {writer.media_type.split(";")[0] for writer in REGISTRY.values()}
    | {content_type.split(";")[0] for _, content_type, _ in DOWNLOADS.values() if content_type} - {"application/json"}
)
# ?file=manifest: the export's manifest (exporters/manifest.py), outlined; each format adds its own details.
MANIFEST = {
    "type": "object",
    "description": "The manifest: what the data is, how it was made, and the SHA-256 of each file.",
    "properties": {
        "schema_version": {"type": "integer"},
        "kind": {"type": "string", "enum": ["workbench-gold-export"]},
        "format": {"type": "object", "additionalProperties": True},
        "files": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
        "counts": {"type": "object", "additionalProperties": True},
    },
    "required": ["schema_version", "kind", "format", "files", "counts"],
    "additionalProperties": True,
}
RUNNING_EXPORT = OpenApiResponse(
    {
        "type": "object",
        "properties": {"detail": {"type": "string"}, "id": {"type": "integer", "description": "The running export."}},
        "required": ["detail", "id"],
    },
    description="Another export of the project is pending or running: follow that one.",
)
NOT_DONE = OpenApiResponse(
    {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]},
    description="The export is not done yet.",
)
BAD_FILE = OpenApiResponse(
    {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    description="`file` is not data, manifest or card.",
)


class ProjectExportsApi(APIView):
    pagination_class = Pagination  # read by the schema: the list answers one page

    @extend_schema(responses=ExportOutput(many=True))
    def get(self, request, project_id: int):
        """The project's exports, newest first (managers)."""
        project, _membership = project_for(request, project_id, min_role=Role.MANAGER)
        return paginated(request, self, exports_of_project(project), ExportOutput, context={"request": request})

    @extend_schema(request=ExportCreateInput, responses={202: ExportCreatedOutput, 409: RUNNING_EXPORT})
    def post(self, request, project_id: int):
        """Export the project's gold in `format` in the background (managers): 202 with the export's id;
        409 with the running export's `id` while another export of the project is pending or running."""
        project, _membership = project_for(request, project_id, min_role=Role.MANAGER)
        data = ExportCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        fmt = values.pop("format")
        job = export_run_create(
            project=project,
            fmt=fmt,
            requested_by=request.user,
            include_majority=values.pop("include_majority"),
            options=values,
        )
        job.refresh_from_db(fields=["status"])
        return Response(ExportCreatedOutput(job).data, status=status.HTTP_202_ACCEPTED)


class ExportDetailApi(APIView):
    @extend_schema(responses=ExportOutput)
    def get(self, request, export_id: int):
        """One export: `status` (pending, running, done, failed), `progress` 0..1, and when done `counts`,
        `sha256` of the data file and `download_url`; `error` when it failed."""
        job = access_export(request.user, export_id)
        return Response(ExportOutput(job, context={"request": request}).data)


class ExportDownloadApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "file",
                str,
                enum=["data", "manifest", "card"],
                required=False,
                description="data (default), manifest (JSON) or card (the dataset README).",
            )
        ],
        responses={
            **{(200, media_type): OpenApiTypes.BINARY for media_type in DOWNLOAD_TYPES},
            (200, "application/json"): MANIFEST,
            400: BAD_FILE,
            409: NOT_DONE,
        },
    )
    def get(self, request, export_id: int):
        """A finished export's data file (or its manifest or dataset card), as an attachment."""
        job = access_export(request.user, export_id)
        which = request.query_params.get("file", "data")
        splits = split_names(job)
        if which not in DOWNLOADS and which not in splits:
            choices = _("Choose data, manifest, card or audit.") + (f" Splits: {', '.join(splits)}." if splits else "")
            raise ApplicationError(_("Unknown file."), fields={"file": [choices]})
        if job.status != JobStatus.DONE:
            raise Conflict(f"The export is {job.status}; download it once it is done.")
        path = export_file_path(job, DOWNLOADS[which][0] if which in DOWNLOADS else which)
        if path is None:
            raise NotFound(_("The export's files are no longer on the server; export again."))
        writer = get_writer(job.format)
        _name, content_type, suffix = DOWNLOADS.get(which, (which, None, ""))
        middle = f".{which}" if which in splits else ""
        filename = f"gold-{safe_slug(job.project.slug)}-{job.pk}{middle}.{writer.extension}{suffix}"
        # FileResponse closes the file once it is sent; a `with` block would close it before that.
        response = FileResponse(open(path, "rb"), content_type=content_type or writer.media_type)  # noqa: SIM115
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        response["Cache-Control"] = "private, no-store"
        return response
