"""Export options, one definition for the command, the API and the page. Pure: no Django.

* ``include_majority``: also documents nobody adjudicated whose k reviewers all submitted (majority vote);
* ``splits``: e.g. ``train=0.8,dev=0.1,test=0.1``; each document goes to one split, chosen from the
  SHA-256 of its NFC text (so the same article lands in the same split in every export of every
  project), one data file per split;
* ``split_by_outlet``: choose the split from the outlet (source domain, else source name) instead, so
  one outlet never spans two splits (documents without an outlet fall back to their own hash);
* ``pseudonymize``: usernames (deciders, adjudicators) become stable salted ids ``user-<12 hex>``;
* ``utf16_offsets``: spans (and claim links) also carry ``start_utf16``/``end_utf16``;
* ``include_audit``: the project's audit trail up to the export's snapshot, one entry a line, in its
  own file (`audit.jsonl`), listed in the manifest; actors pseudonymized with ``pseudonymize``.

`parse_options(values)` checks everything and raises OptionError(field, message) for the first bad
value, so every caller answers a bad option the same way (a 400 naming the field, one CLI line).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

SPLIT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
MAX_SPLITS = 10
_TOLERANCE = 1e-6
_SCALE = float(1 << 64)


class OptionError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ExportOptions:
    include_majority: bool = False
    splits: tuple[tuple[str, float], ...] = ()
    split_by_outlet: bool = False
    pseudonymize: bool = False
    utf16_offsets: bool = False
    segment_clitics: bool = False  # CoNLL only: cut tokens at clitic boundaries where gold spans need it
    include_audit: bool = False  # also the project's audit trail up to the snapshot, as its own JSONL file

    def as_dict(self) -> dict:
        """For the job row and the manifest (JSON)."""
        return {
            "include_majority": self.include_majority,
            "splits": splits_text(self.splits) or None,
            "split_by_outlet": self.split_by_outlet,
            "pseudonymize": self.pseudonymize,
            "utf16_offsets": self.utf16_offsets,
            "segment_clitics": self.segment_clitics,
            "include_audit": self.include_audit,
        }

    @property
    def split_names(self) -> list[str]:
        return [name for name, _ in self.splits]


def splits_text(splits) -> str:
    return ",".join(f"{name}={fraction:g}" for name, fraction in splits)


def parse_splits(value) -> tuple[tuple[str, float], ...]:
    """``"train=0.8,dev=0.1,test=0.1"`` (or a {name: fraction} mapping) -> ((name, fraction), ...)."""
    if value is None or value == "" or value == {}:
        return ()
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, str):
        items = []
        for part in value.split(","):
            name, sep, fraction = part.strip().partition("=")
            if not sep:
                raise OptionError("splits", f"{part.strip()!r} is not NAME=FRACTION (e.g. train=0.8,dev=0.1,test=0.1).")
            items.append((name.strip(), fraction.strip()))
    else:
        raise OptionError("splits", "Give the splits as NAME=FRACTION pairs separated by commas.")
    if not 2 <= len(items) <= MAX_SPLITS:
        raise OptionError("splits", f"Give between 2 and {MAX_SPLITS} splits.")
    out, seen = [], set()
    for name, fraction in items:
        if not isinstance(name, str) or not SPLIT_NAME.fullmatch(name):
            raise OptionError("splits", f"Split name {name!r} must be a letter then up to 31 letters, digits or _.")
        if name in seen:
            raise OptionError("splits", f"Split {name!r} is given twice.")
        seen.add(name)
        try:
            number = float(fraction) if not isinstance(fraction, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None or not 0 < number <= 1:
            raise OptionError("splits", f"The fraction of {name!r} must be a number above 0 and at most 1.")
        out.append((name, number))
    total = sum(fraction for _, fraction in out)
    if abs(total - 1) > _TOLERANCE:
        raise OptionError("splits", f"The fractions add up to {total:g}, not 1.")
    return tuple(out)


def _flag(values: dict, name: str) -> bool:
    value = values.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise OptionError(name, "Must be true or false.")
    return value


def parse_options(values: dict | None) -> ExportOptions:
    values = dict(values or {})
    unknown = sorted(set(values) - set(ExportOptions.__dataclass_fields__))
    if unknown:
        raise OptionError(unknown[0], "Unknown option.")
    splits = parse_splits(values.get("splits"))
    by_outlet = _flag(values, "split_by_outlet")
    if by_outlet and not splits:
        raise OptionError("split_by_outlet", "Grouping by outlet needs splits.")
    return ExportOptions(
        include_majority=_flag(values, "include_majority"),
        splits=splits,
        split_by_outlet=by_outlet,
        pseudonymize=_flag(values, "pseudonymize"),
        utf16_offsets=_flag(values, "utf16_offsets"),
        segment_clitics=_flag(values, "segment_clitics"),
        include_audit=_flag(values, "include_audit"),
    )


def split_of(sha256: str, outlet: str, options: ExportOptions) -> str | None:
    """The split of a document: the first 64 bits of a SHA-256 as a fraction in [0, 1), placed on the
    cumulative fractions in the order given. By outlet: the SHA-256 of "outlet:" + the outlet."""
    if not options.splits:
        return None
    digest = sha256
    if options.split_by_outlet and outlet:
        digest = hashlib.sha256(("outlet:" + outlet.lower()).encode("utf-8")).hexdigest()
    point = int(digest[:16], 16) / _SCALE
    cumulative = 0.0
    for name, fraction in options.splits:
        cumulative += fraction
        if point < cumulative:
            return name
    return options.splits[-1][0]


def pseudonymizer(salt: bytes):
    """name -> "user-" + the first 12 hex digits of HMAC-SHA256(salt, name); None stays None. Stable
    for one salt (a deployment setting), so the same person has the same id in every export."""
    cache: dict[str, str] = {}

    def pseudonym(name: str | None) -> str | None:
        if name is None:
            return None
        value = cache.get(name)
        if value is None:
            value = cache[name] = "user-" + hmac.new(salt, name.encode("utf-8"), hashlib.sha256).hexdigest()[:12]
        return value

    return pseudonym


def pseudonymized(documents, pseudonym):
    """The documents with every decider and adjudicator name replaced by `pseudonym(name)`."""
    from dataclasses import replace

    for document in documents:
        yield replace(
            document,
            adjudicator=pseudonym(document.adjudicator),
            spans=tuple(s._replace(decided_by=pseudonym(s.decided_by)) for s in document.spans),
            claim_links=tuple(replace(link, decided_by=pseudonym(link.decided_by)) for link in document.claim_links),
            reliability=tuple(replace(g, decided_by=pseudonym(g.decided_by)) for g in document.reliability),
        )
