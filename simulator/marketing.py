"""Marketing sources: event attendance, web sessions and product sign-ups."""

import numpy as np

from simulator import identities
from simulator.config import CHANNELS, WEB_CHANNELS
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
        email = identities.form_email(rng, person, max(registered, 0) // 86_400)
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
                ctx.stamp(row) if attended else "",
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
                ctx.stamp(row),
            )
    ctx.sink.write_csv("landing/events/attendance.csv", ATTENDANCE_HEADER, output)


def _web_fields(channel: str, draw: float, second: int) -> tuple[str, str, str, str]:
    """Return (referrer_url, utm_source, utm_medium, utm_campaign) that map to `channel`.

    `draw` is a uniform number in [0, 1) that picks among the variants of the channel.
    """
    month = f"{second // (30 * 86_400):02d}"
    pick = int(draw * 6)
    if channel == "newsletter":
        return (
            "",
            ("newsletter", "hubspot")[pick % 2],
            ("email", "newsletter")[pick // 3],
            f"digest-{month}",
        )
    if channel == "paid_search":
        engine = ("google", "bing")[pick % 2]
        return (
            f"https://www.{engine}.com/",
            engine,
            ("cpc", "ppc", "paid")[pick % 3],
            "brand-search",
        )
    if channel == "social":
        network = ("linkedin", "twitter", "reddit")[pick % 3]
        return (
            f"https://www.{network}.com/",
            network,
            ("social", "paid_social")[pick % 2],
            "launch-week",
        )
    if channel == "community_referral":
        return "", ("slack", "discourse", "github")[pick % 3], "community", "community-links"
    if channel == "organic_search":
        return SEARCH_REFERRERS[pick % len(SEARCH_REFERRERS)], "", "", ""
    if channel == "referral":
        return OTHER_REFERRERS[pick % len(OTHER_REFERRERS)], "", "", ""
    return "", "", "", ""


def _device_ids(ctx: ChunkContext, people: np.ndarray) -> dict[int, list[str]]:
    """Give each browsing person one to three anonymous ids (cookies on different devices)."""
    devices: dict[int, list[str]] = {}
    counts = ctx.rng.integers(1, 4, len(people))
    for person_index, count in zip(people.tolist(), counts.tolist(), strict=True):
        tokens = []
        for _ in range(count):
            ctx.counters.anonymous_ids += 1
            number = ctx.counters.anonymous_ids
            tokens.append(stable_token(ctx.config.seed, "anonymous_id", number, ALPHANUMERIC, 16))
        devices[person_index] = tokens
    return devices


def write_web(ctx: ChunkContext) -> None:
    """Write web sessions; a session carries the user's email only after they signed up."""
    rng, counters = ctx.rng, ctx.counters
    web_channels = [CHANNELS.index(name) for name in WEB_CHANNELS]
    rows = np.flatnonzero(np.isin(ctx.touches.channel, web_channels))
    signup_second = _signup_seconds(ctx)
    devices = _device_ids(ctx, np.unique(ctx.touches.person[rows]))
    device_draw = rng.random(len(rows))
    known_draw = rng.random(len(rows))
    field_draw = rng.random(len(rows))
    pageviews = rng.integers(1, 7, len(rows))
    page_index = rng.integers(0, len(PAGES), (len(rows), 6))
    used: set[str] = set()
    output = []

    for position, row in enumerate(rows.tolist()):
        person_index = int(ctx.touches.person[row])
        person = ctx.chunk.people[person_index]
        choices = devices[person_index]
        anonymous_id = choices[int(device_draw[position] * len(choices))]
        if anonymous_id not in used:
            used.add(anonymous_id)
            ctx.record_identity("web", anonymous_id, person_index)

        second = int(ctx.touches.second[row])
        channel_index = int(ctx.touches.channel[row])
        signed_up = second > signup_second.get(person_index, 1 << 60)
        # Without tracking consent a session is never tied to an email.
        known = person.consent and (signed_up or known_draw[position] < 0.05)

        referrer, source, medium, campaign = _web_fields(
            CHANNELS[channel_index], float(field_draw[position]), second
        )
        pages = [PAGES[i] for i in page_index[position, : pageviews[position]]]
        query = (
            f"?utm_source={source}&utm_medium={medium}&utm_campaign={campaign}" if medium else ""
        )

        counters.sessions += 1
        session_id = f"WS{counters.sessions:09d}"
        started = ctx.stamp(row)
        output.append(
            (
                session_id,
                anonymous_id,
                identities.vary_email(rng, person.email_at(second // 86_400)) if known else "",
                started,
                f"{SITE}{pages[0]}{query}",
                referrer,
                source,
                medium,
                campaign,
                len(pages),
                "|".join(pages),
            )
        )
        ctx.record_touch(person_index, channel_index, "web", anonymous_id, session_id, started)
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
            email = identities.form_email(rng, person, int(ctx.touches.second[row]) // 86_400)
        seen.add(person_index)
        counters.signups += 1
        signup_id = "su_" + stable_token(config.seed, "signup", counters.signups, ALPHANUMERIC, 12)
        at = ctx.stamp(row)
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
