"""The data model, one module per concept. Import models from here.

The invariants live in the database as constraints (valid statuses and grades, spans within order,
one job in flight per project, one assignment per document and reviewer…), so no writer, however it
reaches the database, can break them; keep adding them there. Models import no services, selectors,
API or pages (tests/test_import_graph.py)."""

from .adjudication import (
    Adjudication,
    AdjudicationStatus,
    CandidateRejection,
    GoldClaimLink,
    GoldDecision,
    GoldReliability,
    GoldSpan,
)
from .assignments import Assignment, AssignmentStatus, AssignmentWork
from .audit import AuditEntry
from .claims import Claim, ClaimLink, ClaimSimilarityKey, ClaimVerdictChange, ClaimVerification, Stance, Verdict
from .documents import Document, DocumentStats, Source, text_sha256
from .idempotency import IdempotencyRecord
from .jobs import AgreementPiece, AgreementRun, ExportFormat, ExportJob, ImportJob, JobStatus
from .notes import DocumentFlag, DocumentFlagKind, SpanComment
from .outbox import OutboxMessage
from .predictions import Prediction, PredictionDecision, PredictionReview
from .profiles import Digits, UserProfile
from .projects import LabelType, Membership, Project, Role
from .reliability import Credibility, ReliabilityRating, SourceReliability
from .spans import Span

__all__ = [
    "Adjudication",
    "AdjudicationStatus",
    "AgreementPiece",
    "AgreementRun",
    "Assignment",
    "AssignmentStatus",
    "AssignmentWork",
    "AuditEntry",
    "CandidateRejection",
    "Claim",
    "ClaimLink",
    "ClaimSimilarityKey",
    "ClaimVerdictChange",
    "ClaimVerification",
    "Credibility",
    "Document",
    "Digits",
    "DocumentFlag",
    "DocumentFlagKind",
    "DocumentStats",
    "ExportFormat",
    "ExportJob",
    "GoldClaimLink",
    "GoldDecision",
    "GoldReliability",
    "GoldSpan",
    "IdempotencyRecord",
    "ImportJob",
    "JobStatus",
    "LabelType",
    "Membership",
    "OutboxMessage",
    "Prediction",
    "PredictionDecision",
    "PredictionReview",
    "Project",
    "ReliabilityRating",
    "Role",
    "Source",
    "SourceReliability",
    "Span",
    "SpanComment",
    "Stance",
    "UserProfile",
    "Verdict",
    "text_sha256",
]
