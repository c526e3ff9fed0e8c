"""Marketing sources: event attendance, web sessions and product sign-ups."""

import numpy as np

from simulator import identities
from simulator.config import CHANNELS
from simulator.context import ChunkContext
from simulator.population import stable_token
from simulator.sink import iso_timestamp
from simulator.touches import event_catalogue

ATTENDANCE_HEADER = (
    "registration_id", "event_id", "event_name", "event_type", "program", "email", "full_name",
    "company", "registered_at", "attended", "attended_at",
)  # fmt: skip
SESSION_HEADER = (
    "session_id", "anonymous_id", "user_email", "started_at", "landing_url", "referrer_url",
    "utm_source", "utm_medium", "utm_campaign", "pageviews", "pages",
)  # fmt: skip
SIGNUP_HEADER = ("signup_id", "email", "full_name", "company", "signed_up_at", "plan", "utm_source")
SITE = "https://www.revmap.dev"
PAGES = (
    "/",
    "/docs",
    "/pricing",
    "/blog",
    "/customers",
    "/community",
    "/docs/quickstart",
    "/signup",
)
SEARCH_REFERRERS = ("https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/")
OTHER_REFERRERS = (
    "https://news.ycombinator.com/", "https://dev.to/", "https://medium.com/",
    "https://www.partner-blog.example/", "https://stackoverflow.com/questions",
)  # fmt: skip
ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyz0123456789"


def write_attendance(ctx: ChunkContext) -> None:
    """Write event and webinar registrations; attended rows are the event and webinar touches."""
    config, rng, counters = ctx.config, ctx.rng, ctx.counters
    catalogue = event_catalogue(config.seed, config.start, config.days)
    rows = np.flatnonzero(ctx.touches.event >= 0)
    output = []
    for row in rows:
        person_index = int(ctx.touches.person[row])
        person = ctx.chunk.people[person_index]
        event = catalogue[int(ctx.touches.event[row])]
        counters.registrations += 1
        registration_id = f"R{counters.registrations:08d}"
        second = int(ctx.touches.second[row])
        registered = second - int(rng.integers(1, 21)) * 86_400 - int(rng.integers(0, 86_400))
        attended = bool(ctx.touches.attended[row])
        email = identities.vary_email(
            rng,
            person.primary_email
            if rng.random() < 0.8
            else person.personal_email or person.primary_email,
        )
        output.append(
            (
                registration_id,
                event.event_id,
                event.name,
                event.event_type,
                event.program,
                email,
                identities.vary_full_name(rng, person),
                identities.company_label(rng, person),
                iso_timestamp(config.start, max(registered, 0)),
                "true" if attended else "false",
                iso_timestamp(config.start, second) if attended else "",
            )
        )
        ctx.record_identity("events", registration_id, person_index)
        if attended:
            ctx.record_touch(
                person_index,
                int(ctx.touches.channel[row]),
                "events",
                registration_id,
                event.event_id,
                iso_timestamp(config.start, second),
            )
    ctx.sink.write_csv("landing/events/attendance.csv", ATTENDANCE_HEADER, output)


def _web_fields(rng: np.random.Generator, channel: str, second: int) -> tuple[str, str, str, str]:
    """Return (referrer_url, utm_source, utm_medium, utm_campaign) that map to `channel`."""
    month = f"{second // (30 * 86_400):02d}"
    if channel == "newsletter":
        return (
            "",
            ("newsletter", "hubspot")[rng.integers(2)],
            ("email", "newsletter")[rng.integers(2)],
            f"digest-{month}",
        )
    if channel == "paid_search":
        engine = ("google", "bing")[rng.integers(2)]
        return (
            f"https://www.{engine}.com/",
            engine,
            ("cpc", "ppc", "paid")[rng.integers(3)],
            "brand-search",
        )
    if channel == "social":
        network = ("linkedin", "twitter", "reddit")[rng.integers(3)]
        return (
            f"https://www.{network}.com/",
            network,
            ("social", "paid_social")[rng.integers(2)],
            "launch-week",
        )
    if channel == "community_referral":
        place = ("slack", "discourse", "github")[rng.integers(3)]
        return "", place, "community", "community-links"
    if channel == "organic_search":
        return SEARCH_REFERRERS[rng.integers(len(SEARCH_REFERRERS))], "", "", ""
    if channel == "referral":
        return OTHER_REFERRERS[rng.integers(len(OTHER_REFERRERS))], "", "", ""
    return "", "", "", ""


def write_web(ctx: ChunkContext) -> None:
    """Write web sessions; each person browses from one to three anonymous ids (devices)."""
    config, rng, counters = ctx.config, ctx.rng, ctx.counters
    web_channels = {CHANNELS.index(name) for name in CHANNELS} - {
        CHANNELS.index(name)
        for name in (
            "community_chat",
            "community_forum",
            "github",
            "event",
            "webinar",
            "product_signup",
        )
    }
    rows = [
        row
        for row in range(len(ctx.touches.person))
        if int(ctx.touches.channel[row]) in web_channels
    ]
    signup_second = _signup_seconds(ctx)
    devices: dict[int, list[str]] = {}
    used: set[str] = set()
    output = []
    for row in rows:
        person_index = int(ctx.touches.person[row])
        person = ctx.chunk.people[person_index]
        if person_index not in devices:
            devices[person_index] = []
            for _ in range(int(rng.integers(1, 4))):
                counters.anonymous_ids += 1
                anonymous_id = stable_token(
                    config.seed, "anonymous_id", counters.anonymous_ids, ALPHANUMERIC, 16
                )
                devices[person_index].append(anonymous_id)
        anonymous_id = devices[person_index][int(rng.integers(len(devices[person_index])))]
        if anonymous_id not in used:
            used.add(anonymous_id)
            ctx.record_identity("web", anonymous_id, person_index)
        second = int(ctx.touches.second[row])
        channel = CHANNELS[int(ctx.touches.channel[row])]
        known = second > signup_second.get(person_index, 1 << 60) or rng.random() < 0.05
        referrer, source, medium, campaign = _web_fields(rng, channel, second)
        pageviews = int(rng.integers(1, 7))
        pages = [PAGES[i] for i in rng.integers(0, len(PAGES), pageviews)]
        query = (
            f"?utm_source={source}&utm_medium={medium}&utm_campaign={campaign}" if medium else ""
        )
        counters.sessions += 1
        session_id = f"WS{counters.sessions:09d}"
        started = iso_timestamp(config.start, second)
        output.append(
            (
                session_id,
                anonymous_id,
                identities.vary_email(rng, person.primary_email) if known else "",
                started,
                f"{SITE}{pages[0]}{query}",
                referrer,
                source,
                medium,
                campaign,
                pageviews,
                "|".join(pages),
            )
        )
        ctx.record_touch(
            person_index, int(ctx.touches.channel[row]), "web", anonymous_id, session_id, started
        )
    ctx.sink.write_csv("landing/web/sessions.csv", SESSION_HEADER, output)


def _signup_seconds(ctx: ChunkContext) -> dict[int, int]:
    signup = CHANNELS.index("product_signup")
    first: dict[int, int] = {}
    for row in np.flatnonzero(ctx.touches.channel == signup):
        first.setdefault(int(ctx.touches.person[row]), int(ctx.touches.second[row]))
    return first


def write_signups(ctx: ChunkContext) -> None:
    """Write product sign-ups; a second sign-up of one person uses another mailbox or alias."""
    config, rng, counters = ctx.config, ctx.rng, ctx.counters
    seen: set[int] = set()
    output = []
    for row in ctx.touches_of("product_signup"):
        person_index = int(ctx.touches.person[row])
        person = ctx.chunk.people[person_index]
        if person_index in seen:
            email = identities.vary_email(
                rng, person.personal_email or person.primary_email.upper()
            )
        else:
            email = identities.vary_email(rng, person.primary_email)
        seen.add(person_index)
        counters.signups += 1
        signup_id = "su_" + stable_token(config.seed, "signup", counters.signups, ALPHANUMERIC, 12)
        at = iso_timestamp(config.start, int(ctx.touches.second[row]))
        plan = ("free", "trial", "team")[rng.choice(3, p=[0.5, 0.4, 0.1])]
        source = ("", "google", "newsletter", "slack", "github", "linkedin")[rng.integers(6)]
        output.append(
            (
                signup_id,
                email,
                identities.vary_full_name(rng, person),
                identities.company_label(rng, person),
                at,
                plan,
                source,
            )
        )
        ctx.record_identity("product", signup_id, person_index)
        ctx.record_touch(
            person_index, int(ctx.touches.channel[row]), "product", signup_id, signup_id, at
        )
    ctx.sink.write_csv("landing/product/signups.csv", SIGNUP_HEADER, output)
