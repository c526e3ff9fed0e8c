"""Deterministic match rules read from YAML and applied as exact-key groupings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ml.errors import ConfigurationError
from ml.identity.prepare import ROLE_LOCAL_PARTS, edit_distance

logger = logging.getLogger(__name__)

LINK_COLUMNS = ["record_id_l", "record_id_r", "match_probability", "matched_by"]


@dataclass(frozen=True)
class MatchRule:
    """One deterministic rule: records equal on every `match_on` column are one person."""

    name: str
    reason: str
    match_on: tuple[str, ...]
    sources: tuple[str, ...] = ()
    max_group_size: int = 20
    conflict_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class CannotLinkRule:
    """Records equal on every `group_on` column but different on `differ_on` stay apart."""

    name: str
    reason: str
    group_on: tuple[str, ...]
    differ_on: str
    max_group_size: int = 200
    overlap_on: str | None = None
    min_overlap_days: float = 0.0
    sources: tuple[str, ...] = ()


def _read_rules_document(path: str | Path) -> tuple[Path, dict[str, Any]]:
    rules_path = Path(path)
    if not rules_path.is_file():
        raise ConfigurationError(f"{rules_path}: match rules file not found")
    return rules_path, yaml.safe_load(rules_path.read_text(encoding="utf-8")) or {}


def _require_fields(entry: dict[str, Any], fields: tuple[str, ...], where: str) -> None:
    for key in fields:
        if not entry.get(key):
            raise ConfigurationError(f"{where}, field {key!r}: missing, expected a value")


def load_cannot_link_rules(path: str | Path) -> list[CannotLinkRule]:
    """Read the `cannot_link` section of the rules file (empty when absent).

    Raises:
        ConfigurationError: The file is missing or a rule lacks a required field.
    """
    rules_path, document = _read_rules_document(path)
    rules = []
    for position, entry in enumerate(document.get("cannot_link") or [], start=1):
        fields = ("name", "reason", "group_on", "differ_on")
        _require_fields(entry, fields, f"{rules_path}, cannot_link rule {position}")
        rules.append(
            CannotLinkRule(
                name=str(entry["name"]),
                reason=" ".join(str(entry["reason"]).split()),
                group_on=tuple(entry["group_on"]),
                differ_on=str(entry["differ_on"]),
                max_group_size=int(entry.get("max_group_size", 200)),
                overlap_on=entry.get("overlap_on"),
                min_overlap_days=float(entry.get("min_overlap_days", 0.0)),
                sources=tuple(entry.get("sources") or ()),
            )
        )
    return rules


def apply_cannot_link_rules(
    prepared: pd.DataFrame, rules: list[CannotLinkRule]
) -> list[tuple[str, str]]:
    """Return record pairs that share a rule's group keys but differ on its differ_on column.

    Groups larger than the rule's max_group_size are skipped, since the pairs grow with
    the square of the group. A rule with `sources` reads only records from those sources.

    Raises:
        ConfigurationError: A rule names a column that the prepared records lack.
    """
    pairs: set[tuple[str, str]] = set()
    for rule in rules:
        columns = [*rule.group_on, rule.differ_on, *([rule.overlap_on] if rule.overlap_on else [])]
        missing = [column for column in columns if column not in prepared.columns]
        if missing:
            raise ConfigurationError(
                f"cannot-link rule {rule.name!r}: column(s) {missing} not found in prepared records"
            )
        scope = prepared[prepared["source"].isin(rule.sources)] if rule.sources else prepared
        keyed = scope.dropna(subset=columns)[["record_id", *columns]]
        if rule.overlap_on:
            keyed = keyed.assign(
                _at=pd.to_datetime(keyed[rule.overlap_on], errors="coerce", utc=True)
            ).dropna(subset=["_at"])
        variety = keyed.groupby(list(rule.group_on))[rule.differ_on].transform("nunique")
        keyed = keyed[variety > 1]
        for _, group in keyed.groupby(list(rule.group_on), sort=False):
            if len(group) > rule.max_group_size:
                continue
            apart = _overlapping_values(group, rule) if rule.overlap_on else None
            rows = list(zip(group["record_id"], group[rule.differ_on], strict=True))
            pairs.update(
                (min(a, b), max(a, b))
                for i, (a, value_a) in enumerate(rows)
                for b, value_b in rows[i + 1 :]
                if value_a != value_b and (apart is None or frozenset((value_a, value_b)) in apart)
            )
    return sorted(pairs)


def _overlapping_values(group: pd.DataFrame, rule: CannotLinkRule) -> set[frozenset[str]]:
    """Pairs of `differ_on` values whose time spans overlap by at least min_overlap_days.

    A value's span runs from the earliest to the latest `overlap_on` time of its records.
    """
    spans = group.groupby(rule.differ_on)["_at"].agg(["min", "max"])
    values = list(spans.itertuples(name=None))
    margin = pd.Timedelta(days=rule.min_overlap_days)
    return {
        frozenset((value_a, value_b))
        for i, (value_a, start_a, end_a) in enumerate(values)
        for value_b, start_b, end_b in values[i + 1 :]
        if min(end_a, end_b) - max(start_a, start_b) >= margin
    }


def load_rules(path: str | Path) -> list[MatchRule]:
    """Read the rules file.

    Raises:
        ConfigurationError: The file is missing, or a rule lacks a name, reason or
            match_on list, or two rules share a name.
    """
    rules_path, document = _read_rules_document(path)
    entries = document.get("rules")
    if not isinstance(entries, list) or not entries:
        raise ConfigurationError(f"{rules_path}: expected a non-empty list under 'rules'")

    rules: list[MatchRule] = []
    for position, entry in enumerate(entries, start=1):
        _require_fields(entry, ("name", "reason", "match_on"), f"{rules_path}, rule {position}")
        rules.append(
            MatchRule(
                name=str(entry["name"]),
                reason=" ".join(str(entry["reason"]).split()),
                match_on=tuple(entry["match_on"]),
                sources=tuple(entry.get("sources") or ()),
                max_group_size=int(entry.get("max_group_size", 20)),
                conflict_on=tuple(entry.get("conflict_on") or ()),
            )
        )
    names = [rule.name for rule in rules]
    if len(set(names)) != len(names):
        raise ConfigurationError(f"{rules_path}: rule names must be unique, found {names}")
    return rules


def apply_rules(prepared: pd.DataFrame, rules: list[MatchRule]) -> pd.DataFrame:
    """Link records that share every key of a rule.

    Each group of records sharing a key is linked as a star from one anchor record: the
    smallest record_id, or the smallest from the rule's sources. The star connects the
    group with n - 1 links instead of n(n - 1)/2 pairs.

    Returns:
        Links with match_probability 1.0 and matched_by `rule:<name>`, each pair once,
        the first rule in file order winning.

    Raises:
        ConfigurationError: A rule names a column that the prepared records lack.
    """
    frames = [_apply_rule(prepared, rule) for rule in rules]
    links = pd.concat([f for f in frames if not f.empty] or [_empty_links()], ignore_index=True)
    return links.drop_duplicates(["record_id_l", "record_id_r"], keep="first").reset_index(
        drop=True
    )


def _apply_rule(prepared: pd.DataFrame, rule: MatchRule) -> pd.DataFrame:
    missing = [
        column for column in rule.match_on + rule.conflict_on if column not in prepared.columns
    ]
    if missing:
        raise ConfigurationError(
            f"match rule {rule.name!r}: column(s) {missing} not found in prepared records"
        )
    keyed = prepared.dropna(subset=list(rule.match_on))
    if "email_key" in rule.match_on:
        # A shared role mailbox (info@, sales@) is used by several people.
        local = keyed["email_key"].str.split("@").str[0]
        keyed = keyed[~local.isin(ROLE_LOCAL_PARTS)]
    keyed = keyed[["record_id", "source", *rule.match_on, *rule.conflict_on]].sort_values(
        "record_id"
    )
    group_sizes = keyed.groupby(list(rule.match_on))["record_id"].transform("size")
    keyed = keyed[group_sizes >= 2]

    pairs: list[tuple[str, str]] = []
    skipped_groups = conflicting_groups = 0
    for _, group in keyed.groupby(list(rule.match_on), sort=False):
        if len(group) > rule.max_group_size:
            skipped_groups += 1
            continue
        if any(_values_conflict(group[column]) for column in rule.conflict_on):
            conflicting_groups += 1
            continue
        in_scope = group[group["source"].isin(rule.sources)] if rule.sources else group
        if in_scope.empty:
            continue
        anchor = in_scope["record_id"].iloc[0]
        pairs.extend(
            (min(anchor, other), max(anchor, other))
            for other in group["record_id"]
            if other != anchor
        )
    if skipped_groups:
        logger.warning(
            "match rule %s: skipped %s key group(s) larger than %s records",
            rule.name,
            skipped_groups,
            rule.max_group_size,
        )
    if conflicting_groups:
        logger.info(
            "match rule %s: left %s key group(s) with conflicting %s to the model",
            rule.name,
            conflicting_groups,
            ", ".join(rule.conflict_on),
        )
    links = pd.DataFrame(pairs, columns=["record_id_l", "record_id_r"])
    links["match_probability"] = 1.0
    links["matched_by"] = f"rule:{rule.name}"
    return links


def _values_conflict(values: pd.Series, max_edits: int = 2) -> bool:
    """Return whether two non-null values differ by more than typos (> `max_edits` edits)."""
    distinct = sorted({v for v in values if isinstance(v, str)})
    return any(
        edit_distance(a, b) > max_edits for i, a in enumerate(distinct) for b in distinct[i + 1 :]
    )


def _empty_links() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id_l": pd.Series(dtype=object),
            "record_id_r": pd.Series(dtype=object),
            "match_probability": pd.Series(dtype=float),
            "matched_by": pd.Series(dtype=object),
        }
    )
