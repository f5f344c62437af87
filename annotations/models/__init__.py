"""The data model, one module per concept. Import models from here."""

from .adjudication import Adjudication, AdjudicationStatus, GoldClaimLink, GoldDecision, GoldReliability, GoldSpan
from .assignments import Assignment, AssignmentStatus
from .claims import Claim, ClaimLink, ClaimSimilarityKey, ClaimVerdictChange, ClaimVerification, Stance, Verdict
from .documents import Document, DocumentStats, Source, text_sha256
from .jobs import AgreementRun, ExportFormat, ExportJob, JobStatus
from .projects import LabelType, Membership, Project, Role
from .reliability import Credibility, ReliabilityRating, SourceReliability
from .spans import Span

__all__ = [
    "Adjudication",
    "AdjudicationStatus",
    "AgreementRun",
    "Assignment",
    "AssignmentStatus",
    "Claim",
    "ClaimLink",
    "ClaimSimilarityKey",
    "ClaimVerdictChange",
    "ClaimVerification",
    "Credibility",
    "Document",
    "DocumentStats",
    "ExportFormat",
    "ExportJob",
    "GoldClaimLink",
    "GoldDecision",
    "GoldReliability",
    "GoldSpan",
    "JobStatus",
    "LabelType",
    "Membership",
    "Project",
    "ReliabilityRating",
    "Role",
    "Source",
    "SourceReliability",
    "Span",
    "Stance",
    "Verdict",
    "text_sha256",
]
