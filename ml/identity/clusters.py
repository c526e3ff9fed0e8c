"""Group records into people from rule, model and override links, honouring cannot-links."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import pandas as pd

from ml.identity.prepare import NAME_FORM_COLUMNS, edit_distance, normalize_name

logger = logging.getLogger(__name__)

UNIQUE_HANDLE = "unique_handle"
UNIQUE_NAME = "unique_name"
UNIQUE_CUSTOMER_NAME = "unique_customer_name"
UNIQUE_PERSONAL_NAME = "unique_personal_name"
SMALL_CLUSTER = "small_cluster"

# Lower rank is applied first, so a reviewer's decision and a rule beat a model link.
# A unique-owner link is decided from the clusters the other links make, so it comes last.
_RANK = {
    "override": 0,
    "rule": 1,
    "model": 2,
    UNIQUE_HANDLE: 3,
    UNIQUE_NAME: 3,
    UNIQUE_CUSTOMER_NAME: 3,
    UNIQUE_PERSONAL_NAME: 3,
    SMALL_CLUSTER: 3,
}


# Tools where a member has one account (as the `one_account_per_tool` cannot-link rule in
# rules.yaml assumes): a cluster holding a GitHub account owns no second GitHub handle.
ACCOUNT_SOURCES = frozenset({"slack", "discord", "discourse", "github", "stackexchange"})

# Passes of `late_links`; later passes see the clusters the earlier ones joined.
LATE_LINK_ROUNDS = 3

# Last names within this many edits are taken as typos of one name.
NAME_EDITS = 2


class ConstrainedUnionFind:
    """Union-find over record ids that rejects unions joining a cannot-link pair.

    With `last_names`, a union asked to check names is also rejected when both groups
    carry last names and none of one group's is within two edits of the other's.
    """

    def __init__(
        self,
        record_ids: Iterable[str],
        cannot_link: Iterable[tuple[str, str]],
        last_names: dict[str, str] | None = None,
    ):
        self.parent = {record_id: record_id for record_id in record_ids}
        self.forbidden: dict[str, set[str]] = {}
        for left, right in cannot_link:
            self.forbidden.setdefault(left, set()).add(right)
            self.forbidden.setdefault(right, set()).add(left)
        self.names: dict[str, set[str]] = {
            record_id: {name} for record_id, name in (last_names or {}).items()
        }

    def find(self, record_id: str) -> str:
        """Return the root of the record's group, compressing the path on the way."""
        root = record_id
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[record_id] != root:
            self.parent[record_id], record_id = root, self.parent[record_id]
        return root

    def union(self, left: str, right: str, check_names: bool = False) -> bool:
        """Join two groups unless a cannot-link spans them; return whether they are joined."""
        root_l, root_r = self.find(left), self.find(right)
        if root_l == root_r:
            return True
        names_l, names_r = self.names.get(root_l, set()), self.names.get(root_r, set())
        if check_names and names_l and names_r and not self._names_agree(names_l, names_r):
            return False
        blocked_l = self.forbidden.get(root_l, set())
        blocked_r = self.forbidden.get(root_r, set())
        if any(self.find(other) == root_r for other in blocked_l) or any(
            self.find(other) == root_l for other in blocked_r
        ):
            return False
        self.parent[root_r] = root_l
        if blocked_r:
            self.forbidden[root_l] = blocked_l | blocked_r
        if names_r:
            self.names[root_l] = names_l | names_r
        return True

    @staticmethod
    def _names_agree(names_l: set[str], names_r: set[str]) -> bool:
        return any(edit_distance(a, b) <= NAME_EDITS for a in names_l for b in names_r)


def cluster_records(
    record_ids: list[str],
    edges: pd.DataFrame,
    cannot_link: Iterable[tuple[str, str]],
    threshold: float,
    last_names: dict[str, str] | None = None,
    late_links: Callable[[dict[str, str]], pd.DataFrame] | None = None,
) -> tuple[dict[str, str], pd.DataFrame]:
    """Connect records through edges at or above `threshold`, strongest evidence first.

    Edges are applied overrides first, then rules, then model links by falling
    probability, so a cannot-link decision stops the weakest evidence that would join
    the two records, even through other records.

    Args:
        record_ids: Every record to cluster.
        edges: record_id_l, record_id_r, match_probability, matched_by (`override`,
            `rule:<name>` or `model`).
        cannot_link: Pairs that must end up in different clusters.
        threshold: Minimum probability of a model edge; rule and override edges always count.
        last_names: Record id to normalized last name. When given, a model edge from a
            record without a last name may not join two groups whose last names all
            differ by more than two edits. This stops a nameless record (a GitHub
            handle) from chaining two people's groups together.
        late_links: Called with the record-to-root map once all edges are applied; the
            links it returns (such as `unique_owner_links`) are applied after them,
            whatever their probability and without the name check.

    Returns:
        A map from record id to its cluster's root record id, and the edges whose two
        records ended up in the same cluster.
    """
    forest = ConstrainedUnionFind(record_ids, cannot_link, last_names)
    usable = edges[
        (edges["matched_by"] != "model") | (edges["match_probability"] >= threshold)
    ].copy()
    usable["rank"] = usable["matched_by"].str.split(":").str[0].map(_RANK)
    # Record ids break ties, so equal probabilities give the same clusters on every run.
    usable = usable.sort_values(
        ["rank", "match_probability", "record_id_l", "record_id_r"],
        ascending=[True, False, True, True],
    )

    rejected = 0
    for left, right, kind in zip(
        usable["record_id_l"], usable["record_id_r"], usable["matched_by"], strict=True
    ):
        # The model already weighed the names of two named records. Only a link through a
        # record without a last name can chain clashing names together.
        through_nameless = last_names is not None and (
            left not in last_names or right not in last_names
        )
        if not forest.union(left, right, check_names=kind == "model" and through_nameless):
            rejected += 1
    # Each round of late links can settle more: a cluster that gained a GitHub account is
    # no longer a candidate owner of another GitHub handle.
    if late_links is not None:
        for _ in range(LATE_LINK_ROUNDS):
            late = late_links({record_id: forest.find(record_id) for record_id in record_ids})
            joined = 0
            for left, right in zip(late["record_id_l"], late["record_id_r"], strict=True):
                if forest.find(left) == forest.find(right):
                    continue
                if forest.union(left, right):
                    joined += 1
                else:
                    rejected += 1
            usable = pd.concat([usable, late.assign(rank=_RANK[UNIQUE_HANDLE])], ignore_index=True)
            if not joined:
                break
    if rejected:
        logger.info(
            "clustering at %.3f: %s link(s) rejected by a cannot-link pair or clashing last names",
            threshold,
            rejected,
        )

    roots = {record_id: forest.find(record_id) for record_id in record_ids}
    same = [
        roots[left] == roots[right]
        for left, right in zip(usable["record_id_l"], usable["record_id_r"], strict=True)
    ]
    # A boolean Series, not a list: an empty list would select no columns instead of no rows.
    keep = pd.Series(same, index=usable.index, dtype=bool)
    accepted = usable[keep].drop(columns="rank").reset_index(drop=True)
    return roots, accepted


def strongest_link_per_record(record_ids: list[str], accepted: pd.DataFrame) -> pd.DataFrame:
    """Pick, for each record, the strongest accepted link touching it.

    Returns:
        record_id, match_probability and matched_by; records without a link get
        matched_by `singleton` and a null probability.
    """
    sides = pd.concat(
        [
            accepted.rename(columns={"record_id_l": "record_id"}).drop(columns="record_id_r"),
            accepted.rename(columns={"record_id_r": "record_id"}).drop(columns="record_id_l"),
        ],
        ignore_index=True,
    )
    sides["rank"] = sides["matched_by"].str.split(":").str[0].map(_RANK)
    best = (
        sides.sort_values(["rank", "match_probability"], ascending=[True, False])
        .drop_duplicates("record_id")
        .drop(columns="rank")
    )
    result = pd.DataFrame({"record_id": record_ids}).merge(best, on="record_id", how="left")
    result["matched_by"] = result["matched_by"].fillna("singleton")
    return result


def unique_owner_links(
    prepared: pd.DataFrame, roots: dict[str, str], *, personal_names: bool = True
) -> pd.DataFrame:
    """Join clusters that lack evidence to the one cluster their key points to.

    Three kinds of record carry too little to pass the threshold on their own, yet often
    fit exactly one person in the data:

    - `unique_handle`: a record with a handle but no name (GitHub: `jane_d`,
      `doejane42`) in a cluster without any named record. The model scores the handle
      against every name that builds it, and that evidence stays below the threshold
      because `jane_d` fits every Jane D. When the handles of such a cluster (trailing
      digits dropped) are built by the names of exactly one named cluster, the two join.
    - `unique_name`: a named record in a cluster without any email address or company
      domain (a Slack profile without email). When the first and last names of such a
      cluster occur in exactly one cluster that has an email or domain, the two join.
    - `unique_customer_name`: a record without a person name whose company name reads
      as a person's name (a Stripe customer `Lars Thompson` at `billing@horizonwind.com`)
      in a cluster without any named record. When its first and last word equal the
      first and last name of exactly one named cluster with the same company domain,
      the two join. A real company name (`Horizonwind Bank`) matches no person there.

    - `unique_personal_name`: a named cluster whose addresses are all free-mail and
      whose records name no company (`jane.doe77@gmail.com`). When its first and last
      names occur in exactly one cluster with a work domain, and in no other such
      personal cluster, the two join: half of the people at a company also use a
      personal address somewhere. Only with `personal_names`.

    A key that several clusters share stays unlinked, as does a cluster whose keys point
    to different clusters. Clusters are those of one clustering pass (`roots`).

    An owner cluster that already has an account in a tool the seeker cluster has one in
    (`ACCOUNT_SOURCES`) is no candidate.

    NOTE: uniqueness is judged within the input only. A handle or name whose true owner
    has no other record joins the one namesake who has: on the simulator (1,000
    members, seed 3) 7 of 146 handle links and 4 of 35 personal-name links went to the
    wrong person. The wrong personal-name links join people without an employer to a
    namesake at a company.

    Returns:
        Links (record_id_l, record_id_r, match_probability 1.0, matched_by
        `unique_handle`, `unique_name`, `unique_customer_name` or
        `unique_personal_name`), one per joined cluster.
    """
    frame = prepared[
        ["record_id", "handle_stem_key", "first_name_key", "last_name_key", "company_name",
         "email_key", "company_domain_key", *NAME_FORM_COLUMNS]
    ].copy()  # fmt: skip
    frame["root"] = frame["record_id"].map(roots)
    named = frame.dropna(subset=["name_flast_key"])
    named_roots = set(named["root"])
    handle_owners = pd.concat(
        [named[["root", "record_id", column]].rename(columns={column: "key"})
         for column in NAME_FORM_COLUMNS],
        ignore_index=True,
    )  # fmt: skip
    nameless = frame[
        frame["handle_stem_key"].notna()
        & frame["name_flast_key"].isna()
        & ~frame["root"].isin(named_roots)
    ].rename(columns={"handle_stem_key": "key"})

    contact = frame["email_key"].notna() | frame["company_domain_key"].notna()
    contact_roots = set(frame.loc[contact, "root"])
    full_name = named["first_name_key"] + " " + named["last_name_key"]
    name_owners = named.assign(key=full_name)[contact[named.index].to_numpy()]
    uncontacted = named.assign(key=full_name)[~named["root"].isin(contact_roots)]
    employer = frame["company_domain_key"].notna() | frame["company_name"].notna()
    employer_roots = set(frame.loc[employer, "root"])
    work_roots = set(frame.loc[frame["company_domain_key"].notna(), "root"])
    keyed = named.assign(key=full_name)
    personal = keyed[keyed["root"].isin(contact_roots) & ~keyed["root"].isin(employer_roots)]
    # Two personal clusters with one name are two people or one person split, so neither
    # is joined.
    personal = personal[personal.groupby("key")["root"].transform("nunique") == 1]
    work_owners = keyed[keyed["root"].isin(work_roots)]

    employees = named.assign(key=_joined_keys(named["company_domain_key"], full_name))
    unnamed = frame[frame["name_flast_key"].isna() & ~frame["root"].isin(named_roots)]
    customers = unnamed.assign(
        key=_joined_keys(
            unnamed["company_domain_key"], unnamed["company_name"].map(_name_of_company)
        )
    )

    account_rows = pd.DataFrame({"root": frame["root"], "source": prepared["source"]})
    account_rows = account_rows[account_rows["source"].isin(ACCOUNT_SOURCES)]
    accounts = {root: frozenset(group) for root, group in account_rows.groupby("root")["source"]}
    frames = [
        _unique_owner_links(nameless, handle_owners, UNIQUE_HANDLE, accounts),
        _unique_owner_links(uncontacted, name_owners, UNIQUE_NAME, accounts),
        _unique_owner_links(
            personal if personal_names else personal.iloc[0:0],
            work_owners,
            UNIQUE_PERSONAL_NAME,
            accounts,
        ),
        _unique_owner_links(customers, employees, UNIQUE_CUSTOMER_NAME),
    ]
    return pd.concat(frames, ignore_index=True)


def small_cluster_links(
    edges: pd.DataFrame, roots: dict[str, str], floor: float, max_size: int
) -> pd.DataFrame:
    """Join each small cluster to the larger cluster of its strongest weak model link.

    A record whose fields carry typos, a nickname or a single name often scores below
    the match threshold against every record of its person, and stays apart. A cluster
    of at most `max_size` records whose strongest model link to another cluster is at or
    above `floor` joins that cluster when it contains more records. Two small clusters do
    not join each other this way, so weak links do not build new people, and a large
    cluster never moves. Clusters are those of one clustering pass (`roots`).

    NOTE: a person with one or two records joins a namesake with more records when
    their strongest link passes `floor`. The floor 0.05 was chosen on one register.

    Returns:
        Links (record_id_l, record_id_r, match_probability of the link, matched_by
        `small_cluster`), at most one per small cluster.
    """
    model = edges[(edges["matched_by"] == "model") & (edges["match_probability"] >= floor)]
    sizes = pd.Series(roots).value_counts()
    frame = model[["record_id_l", "record_id_r", "match_probability"]].assign(
        root_l=model["record_id_l"].map(roots), root_r=model["record_id_r"].map(roots)
    )
    frame = frame[frame["root_l"] != frame["root_r"]]
    # Each link seen from both ends: `seeker` is the small cluster, `owner` the other.
    sides = pd.concat(
        [
            frame.rename(columns={"root_l": "seeker", "root_r": "owner"}),
            frame.rename(columns={"root_r": "seeker", "root_l": "owner"}),
        ],
        ignore_index=True,
    )
    sides = sides[sides["seeker"].map(sizes) <= max_size]
    # Record ids break ties, so equal probabilities give the same links on every run.
    best = sides.sort_values(
        ["match_probability", "record_id_l", "record_id_r"], ascending=[False, True, True]
    ).drop_duplicates("seeker")
    best = best[best["owner"].map(sizes) > best["seeker"].map(sizes)]
    result = best[["record_id_l", "record_id_r", "match_probability"]].reset_index(drop=True)
    result["matched_by"] = SMALL_CLUSTER
    return result


def _name_of_company(company_name: object) -> str | None:
    """Read a company name of two or more words as `first last`, split like full names.

    The first word is the first name and the rest the last name, as the person records
    model splits a full name.
    """
    words = (normalize_name(company_name) or "").split()
    if len(words) < 2:
        return None
    return f"{words[0]} {' '.join(words[1:])}"


def _joined_keys(left: pd.Series, right: pd.Series) -> list[str | None]:
    return [
        f"{a} {b}" if isinstance(a, str) and isinstance(b, str) else None
        for a, b in zip(left, right, strict=True)
    ]


def _unique_owner_links(
    seekers: pd.DataFrame,
    owners: pd.DataFrame,
    kind: str,
    accounts: dict[str, frozenset[str]] | None = None,
) -> pd.DataFrame:
    """Link each seeker cluster to the single owner cluster all its keys point to.

    With `accounts` (root to the account sources its records come from), an owner
    cluster that already has an account in a tool the seeker cluster has one in is no
    candidate, because a member has one account per tool.
    """
    accounts = accounts or {}
    owners = owners.dropna(subset=["key"]).sort_values("record_id").drop_duplicates(["key", "root"])
    candidates: dict[str, list[tuple[str, str]]] = {}
    for key, root, record_id in zip(
        owners["key"], owners["root"], owners["record_id"], strict=True
    ):
        candidates.setdefault(key, []).append((root, record_id))
    links: dict[str, tuple[str, str, str]] = {}
    ambiguous: set[str] = set()
    for record_id, key, root in zip(
        seekers["record_id"], seekers["key"], seekers["root"], strict=True
    ):
        held = accounts.get(root, frozenset())
        fits = [
            (owner_root, target)
            for owner_root, target in candidates.get(key, [])
            if not held & accounts.get(owner_root, frozenset())
        ]
        if len(fits) > 1:
            ambiguous.add(root)
        elif fits:
            target_root, target = fits[0]
            if target_root == root:
                continue
            if root in links and links[root][2] != target_root:
                ambiguous.add(root)
            links.setdefault(root, (record_id, target, target_root))
    rows = [
        (min(record_id, target), max(record_id, target))
        for root, (record_id, target, _) in sorted(links.items())
        if root not in ambiguous
    ]
    result = pd.DataFrame(rows, columns=["record_id_l", "record_id_r"])
    result["match_probability"] = 1.0
    result["matched_by"] = kind
    return result
