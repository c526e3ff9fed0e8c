"""Community sources: Slack export, Discourse API responses and GitHub webhook deliveries."""

import datetime as dt
import heapq
import itertools
import json
import uuid
from collections import deque
from collections.abc import Iterator
from typing import IO

import numpy as np

from simulator import identities, names
from simulator.config import CHANNELS
from simulator.context import ChunkContext
from simulator.population import stable_token
from simulator.sink import Sink, epoch_seconds, iso_timestamp

SLACK_TEAM_ID = "T0REVMAP01"
SLACK_PARTS = "landing/slack/.parts"
SLACK_CHANNEL_WEIGHTS = np.array([0.3, 0.35, 0.05, 0.1, 0.05, 0.15])
THREAD_REPLY_SHARE = 0.35
REACTION_SHARE = 0.25
GITHUB_EVENT_WEIGHTS = {
    "star": 0.3,
    "issues": 0.2,
    "issue_comment": 0.3,
    "pull_request": 0.12,
    "fork": 0.08,
}
ALPHANUMERIC_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
HEX = "0123456789abcdef"
DISCOURSE_HOST = "community.revmap.dev"


def slack_channel_id(seed: int, name: str) -> str:
    """Return the fixed channel id of a Slack channel name."""
    return "C" + stable_token(
        seed, "slack_channel", names.SLACK_CHANNELS.index(name), ALPHANUMERIC_UPPER, 10
    )


def _message_text(rng: np.random.Generator) -> str:
    topic = names.TOPIC_WORDS[rng.integers(len(names.TOPIC_WORDS))]
    templates = (
        "Has anyone tried {}?",
        "We are looking at {} this quarter, any tips?",
        "Thanks, that fixed our {} problem.",
        "Quick question about {}.",
        "Wrote up how we handle {}, feedback welcome.",
    )
    return templates[rng.integers(len(templates))].format(topic)


def write_slack(ctx: ChunkContext) -> None:
    """Write the chunk's Slack users and stage its messages in per-day part files."""
    config, rng = ctx.config, ctx.rng
    present = np.flatnonzero(ctx.touches.presence["slack"])
    user_ids: dict[int, str] = {}
    for person_index in present:
        person = ctx.chunk.people[person_index]
        user_id = "U" + stable_token(
            config.seed, "slack_user", person.index, ALPHANUMERIC_UPPER, 10
        )
        user_ids[int(person_index)] = user_id
        first, last = identities.vary_name(rng, person)
        profile: dict[str, object] = {
            "title": person.job_title if rng.random() < 0.4 else "",
            "real_name": f"{first} {last}",
            "display_name": identities.handle(rng, person) if rng.random() < 0.7 else "",
            "first_name": first,
            "last_name": last,
        }
        if rng.random() < 0.9:
            profile["email"] = identities.community_email(rng, person, config.days - 1)
        user = {
            "id": user_id,
            "team_id": SLACK_TEAM_ID,
            "name": identities.handle(rng, person),
            "deleted": bool(rng.random() < 0.02),
            "real_name": profile["real_name"],
            "tz": "UTC",
            "is_bot": False,
            "profile": profile,
        }
        ctx.sink.append_json("landing/slack/users.json", user)
        ctx.record_identity("slack", user_id, int(person_index))
        for channel in names.SLACK_CHANNELS:
            if channel == "general" or rng.random() < 0.4:
                ctx.sink.append_line(f"{SLACK_PARTS}/members/{channel}.txt", user_id)

    _write_slack_messages(ctx, user_ids)


def _write_slack_messages(ctx: ChunkContext, user_ids: dict[int, str]) -> None:
    config, rng, counters = ctx.config, ctx.rng, ctx.counters
    rows = ctx.touches_of("community_chat")
    channel_index = rng.choice(len(names.SLACK_CHANNELS), size=len(rows), p=SLACK_CHANNEL_WEIGHTS)
    all_users = np.array(sorted(user_ids.values()))
    # NOTE: threads, reactions and forum topics only join people of the same chunk, so at more
    # than one chunk no conversation crosses a 20,000-member boundary.
    recent: dict[int, deque[tuple[int, dict[str, object]]]] = {
        i: deque(maxlen=20) for i in range(6)
    }
    staged: dict[int, list[tuple[int, int, dict[str, object]]]] = {i: [] for i in range(6)}
    chat = CHANNELS.index("community_chat")
    for row, channel in zip(rows, channel_index, strict=True):
        person_index = int(ctx.touches.person[row])
        epoch = epoch_seconds(config.start, int(ctx.touches.second[row]))
        counters.slack_messages += 1
        ts = f"{epoch}.{counters.slack_messages % 1_000_000:06d}"
        message: dict[str, object] = {
            "type": "message",
            "user": user_ids[person_index],
            "text": _message_text(rng),
            "ts": ts,
        }
        _attach_to_thread(rng, recent[channel], message, epoch)
        if rng.random() < REACTION_SHARE and len(all_users):
            picks = rng.integers(0, len(all_users), int(rng.integers(1, 4)))
            reactors = sorted({str(all_users[pick]) for pick in picks})
            message["reactions"] = [
                {
                    "name": ("+1", "tada", "eyes", "heart")[rng.integers(4)],
                    "users": reactors,
                    "count": len(reactors),
                }
            ]
        staged[channel].append((epoch, counters.slack_messages, message))
        name = names.SLACK_CHANNELS[channel]
        ctx.record_touch(
            person_index, chat, "slack", user_ids[person_index], f"{name}/{ts}", ctx.stamp(row)
        )
    for channel, messages in staged.items():
        name = names.SLACK_CHANNELS[channel]
        relative = f"{SLACK_PARTS}/{name}/chunk_{ctx.chunk.index:05d}.jsonl"
        for epoch, serial, message in messages:
            ctx.sink.append_line(relative, f"{epoch}\t{serial}\t{json.dumps(message)}")
        ctx.sink.close_lines(relative)


def _attach_to_thread(
    rng: np.random.Generator,
    recent: deque[tuple[int, dict[str, object]]],
    message: dict[str, object],
    epoch: int,
) -> None:
    """Make the message a reply to a recent thread of its channel, or a new thread parent."""
    candidates = [parent for parent_epoch, parent in recent if parent_epoch > epoch - 3 * 86_400]
    if not candidates or rng.random() >= THREAD_REPLY_SHARE:
        recent.append((epoch, message))
        return
    parent = candidates[int(rng.integers(len(candidates)))]
    message["thread_ts"] = parent["ts"]
    message["parent_user_id"] = parent["user"]
    parent["thread_ts"] = parent["ts"]
    parent["reply_count"] = int(str(parent.get("reply_count", 0))) + 1
    replies = parent.setdefault("replies", [])
    if isinstance(replies, list):
        replies.append({"user": message["user"], "ts": message["ts"]})


def _merge_channel_parts(sink: Sink, start: dt.date, name: str) -> None:
    """Merge the time-sorted part files of one channel into one JSON file a day."""
    folder = sink.out_dir / SLACK_PARTS / name
    parts = sorted(folder.glob("chunk_*.jsonl")) if folder.exists() else []
    handles = [part.open(encoding="utf-8") for part in parts]
    start_epoch = epoch_seconds(start, 0)

    def keyed(handle: IO[str]) -> Iterator[tuple[int, int, str]]:
        for line in handle:
            epoch, serial, text = line.rstrip("\n").split("\t", 2)
            yield int(epoch), int(serial), text

    def day_of(item: tuple[int, int, str]) -> str:
        return (start + dt.timedelta(days=(item[0] - start_epoch) // 86_400)).isoformat()

    merged = heapq.merge(*(keyed(handle) for handle in handles))
    for day, items in itertools.groupby(merged, key=day_of):
        path = sink.out_dir / "landing" / "slack" / name / f"{day}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as target:
            target.write("[\n")
            target.write(",\n".join(text for _, _, text in items))
            target.write("\n]\n")
    for handle in handles:
        handle.close()


def finish_slack(sink: Sink, start: dt.date, seed: int) -> None:
    """Write channels.json and merge staged messages into one file a channel a day."""
    for relative in sink.line_files(SLACK_PARTS):
        sink.close_lines(relative)
    parts = sink.out_dir / SLACK_PARTS
    channels = []
    for name in names.SLACK_CHANNELS:
        members_file = parts / "members" / f"{name}.txt"
        members = members_file.read_text().split() if members_file.exists() else []
        channels.append(
            {
                "id": slack_channel_id(seed, name),
                "name": name,
                "created": str(epoch_seconds(start, 0)),
                "creator": members[0] if members else "",
                "is_archived": False,
                "is_general": name == "general",
                "members": members,
                "topic": {"value": "", "creator": "", "last_set": "0"},
                "purpose": {
                    "value": f"#{name} of the RevMap community",
                    "creator": "",
                    "last_set": "0",
                },
            }
        )
        _merge_channel_parts(sink, start, name)
    channels_path = sink.out_dir / "landing" / "slack" / "channels.json"
    channels_path.write_text(json.dumps(channels, indent=1) + "\n", encoding="utf-8")
    sink.remove_tree(SLACK_PARTS)


def write_discourse(ctx: ChunkContext) -> None:
    """Write the chunk's Discourse users and posts (topics start and get replies).

    The first chunk writes `users.json` and `posts.json`; chunk n writes `users_<n>.json` and
    `posts_<n>.json`, so no single JSON file grows with the member count.
    """
    config, rng, counters = ctx.config, ctx.rng, ctx.counters
    suffix = "" if ctx.chunk.index == 0 else f"_{ctx.chunk.index:05d}"
    present = np.flatnonzero(ctx.touches.presence["discourse"])
    ids = identities.scrambled_ids(rng, ctx.chunk.people[0].index, len(ctx.chunk.people), 100)
    usernames: dict[int, tuple[int, str, str | None]] = {}
    for person_index in present:
        person = ctx.chunk.people[person_index]
        user_id = int(ids[person_index])
        username = identities.handle(rng, person) + str(user_id % 97)
        display = identities.vary_full_name(rng, person) if rng.random() < 0.85 else None
        usernames[int(person_index)] = (user_id, username, display)
        created = iso_timestamp(config.start, person.joined_day * 86_400 + 3600).replace(
            "Z", ".000Z"
        )
        ctx.sink.append_json(
            f"landing/discourse/users{suffix}.json",
            {
                "id": user_id,
                "username": username,
                "name": display,
                "email": identities.community_email(rng, person, person.joined_day),
                "active": True,
                "admin": False,
                "moderator": False,
                "created_at": created,
                "last_seen_at": iso_timestamp(config.start, (config.days - 1) * 86_400).replace(
                    "Z", ".000Z"
                ),
                "trust_level": int(rng.integers(0, 4)),
                "username_lower": username.lower(),
            },
        )
        ctx.record_identity("discourse", str(user_id), int(person_index))

    open_topics: deque[dict[str, object]] = deque(maxlen=40)
    for row in ctx.touches_of("community_forum"):
        poster = int(ctx.touches.person[row])
        user_id, username, display = usernames[poster]
        created_at = ctx.stamp(row).replace("Z", ".000Z")
        counters.discourse_posts += 1
        if open_topics and rng.random() < 0.6:
            topic = open_topics[int(rng.integers(len(open_topics)))]
            topic["posts"] = int(str(topic["posts"])) + 1
            reply_to: int | None = int(rng.integers(1, int(str(topic["posts"]))))
        else:
            counters.discourse_topics += 1
            subject = names.TOPIC_WORDS[rng.integers(len(names.TOPIC_WORDS))]
            category = names.DISCOURSE_CATEGORIES[rng.integers(len(names.DISCOURSE_CATEGORIES))][0]
            topic = {
                "id": counters.discourse_topics,
                "title": f"Question about {subject}",
                "category": category,
                "posts": 1,
            }
            open_topics.append(topic)
            reply_to = None
        text = _message_text(rng)
        title = str(topic["title"])
        post = {
            "id": counters.discourse_posts,
            "name": display,
            "username": username,
            "avatar_template": f"/user_avatar/{DISCOURSE_HOST}/{username.lower()}/{{size}}/1.png",
            "created_at": created_at,
            "cooked": f"<p>{text}</p>",
            "post_number": topic["posts"],
            "post_type": 1,
            "updated_at": created_at,
            "reply_count": 0,
            "reply_to_post_number": reply_to,
            "topic_id": topic["id"],
            "topic_slug": title.lower().replace(" ", "-"),
            "topic_title": title,
            "category_id": topic["category"],
            "raw": text,
            "user_id": user_id,
            "hidden": False,
            "deleted_at": None,
        }
        ctx.sink.append_json(f"landing/discourse/posts{suffix}.json", post, key="latest_posts")
        ctx.record_touch(
            poster,
            CHANNELS.index("community_forum"),
            "discourse",
            str(user_id),
            str(post["id"]),
            ctx.stamp(row),
        )
    ctx.sink.close_json(f"landing/discourse/users{suffix}.json")
    ctx.sink.close_json(f"landing/discourse/posts{suffix}.json", key="latest_posts")


def _github_user(login: str, user_id: int) -> dict[str, object]:
    return {
        "login": login,
        "id": user_id,
        "node_id": f"MDQ6VXNlcj{user_id}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "html_url": f"https://github.com/{login}",
        "type": "User",
        "site_admin": False,
    }


def _github_repository(full_name: str) -> dict[str, object]:
    owner, name = full_name.split("/")
    repository_id = 200_000_000 + names.GITHUB_REPOSITORIES.index(full_name)
    return {
        "id": repository_id,
        "node_id": f"MDEwOlJlcG9zaXRvcnk{repository_id}",
        "name": name,
        "full_name": full_name,
        "private": False,
        "owner": _github_user(owner, 90_000_001),
        "html_url": f"https://github.com/{full_name}",
        "fork": False,
    }


def write_github(ctx: ChunkContext) -> None:
    """Write the chunk's GitHub webhook deliveries as JSON Lines (handles only, no emails)."""
    config, rng, counters = ctx.config, ctx.rng, ctx.counters
    ids = identities.scrambled_ids(rng, ctx.chunk.people[0].index, len(ctx.chunk.people), 1_000_000)
    logins: dict[int, str] = {}
    kinds = list(GITHUB_EVENT_WEIGHTS)
    weights = np.array(list(GITHUB_EVENT_WEIGHTS.values()))
    for row in ctx.touches_of("github"):
        person_index = int(ctx.touches.person[row])
        person = ctx.chunk.people[person_index]
        if person_index not in logins:
            logins[person_index] = identities.handle(rng, person)
            ctx.record_identity("github", str(int(ids[person_index])), person_index)
        sender = _github_user(logins[person_index], int(ids[person_index]))
        at = ctx.stamp(row)
        repository_name = names.GITHUB_REPOSITORIES[rng.integers(len(names.GITHUB_REPOSITORIES))]
        repository = _github_repository(repository_name)
        event = kinds[rng.choice(len(kinds), p=weights)]
        payload = _github_payload(ctx, event, sender, repository, at)
        counters.github_deliveries += 1
        delivery_id = stable_token(
            config.seed, "github_delivery", counters.github_deliveries, HEX, 32
        )
        delivery_id = str(uuid.UUID(delivery_id))
        line = {"event": event, "delivery_id": delivery_id, "delivered_at": at, "payload": payload}
        ctx.sink.append_line("landing/github/events.jsonl", json.dumps(line, ensure_ascii=False))
        ctx.record_touch(
            person_index,
            CHANNELS.index("github"),
            "github",
            str(int(ids[person_index])),
            delivery_id,
            at,
        )


def _github_payload(
    ctx: ChunkContext, event: str, sender: dict[str, object], repository: dict[str, object], at: str
) -> dict[str, object]:
    rng, counters = ctx.rng, ctx.counters
    full_name = str(repository["full_name"])
    if event == "star":
        return {"action": "created", "starred_at": at, "repository": repository, "sender": sender}
    if event == "fork":
        forkee = dict(repository)
        forkee.update(
            {
                "full_name": f"{sender['login']}/{repository['name']}",
                "owner": sender,
                "fork": True,
                "created_at": at,
            }
        )
        return {"forkee": forkee, "repository": repository, "sender": sender}
    topic = names.TOPIC_WORDS[rng.integers(len(names.TOPIC_WORDS))]
    if event == "issue_comment" and counters.github_issue_numbers.get(full_name):
        number = int(rng.integers(1, counters.github_issue_numbers[full_name] + 1))
    else:
        number = counters.github_issue_numbers.get(full_name, 0) + 1
        counters.github_issue_numbers[full_name] = number
    item = {
        "id": 500_000_000 + number * 10 + names.GITHUB_REPOSITORIES.index(full_name),
        "number": number,
        "title": f"Problem with {topic}",
        "user": sender,
        "state": "open",
        "created_at": at,
        "updated_at": at,
        "html_url": f"https://github.com/{full_name}/issues/{number}",
        "body": _message_text(rng),
    }
    if event == "pull_request":
        item["title"] = f"Improve {topic}"
        item["html_url"] = f"https://github.com/{full_name}/pull/{number}"
        return {
            "action": "opened",
            "number": number,
            "pull_request": item,
            "repository": repository,
            "sender": sender,
        }
    if event == "issues":
        return {"action": "opened", "issue": item, "repository": repository, "sender": sender}
    comment = {
        "id": 700_000_000 + counters.github_deliveries,
        "user": sender,
        "created_at": at,
        "updated_at": at,
        "body": _message_text(rng),
        "html_url": f"https://github.com/{full_name}/issues/{number}#issuecomment",
    }
    return {
        "action": "created",
        "issue": item,
        "comment": comment,
        "repository": repository,
        "sender": sender,
    }
