"""Deterministic demo world: a coffee-gear brand on Mastodon, its customers and 42 days of talk."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Literal

from listener.demo.brand import DemoBrand, Tone

DEFAULT_SEED = 11
DEFAULT_DAYS = 42
DEFAULT_CUSTOMERS = 120
BRAND_USERNAME = "acme"
BRAND_DISPLAY_NAME = "Acme Coffee Gear"
BRAND_FOLLOWERS = 2412
BRAND_FOLLOWING = 187
HASHTAG = "acmecoffee"
BAD_STRETCH_DAYS = range(11, 16)
DAY_SECONDS = 86_400
SEQ_LIMIT = 65_536

StatusKind = Literal["owned", "reply", "brand_reply", "mention", "hashtag", "reblog"]

TOKEN_RE = re.compile(
    r"(?P<url>https?://[^\s<>\"]+)"
    r"|(?<![\w/@])@(?P<user>[A-Za-z0-9_]+)(?:@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+))?"
    r"|(?<![\w&/#])#(?P<tag>[A-Za-z0-9_]*[A-Za-z_][A-Za-z0-9_]*)"
)

_SITE = "https://acme-coffee.example"
NEWS = (
    f"Meet the new G3 burr grinder: 40 grind settings & a quieter motor. Pre-orders: {_SITE}/g3",
    f"New in the shop: the Acme gooseneck kettle with temperature hold. {_SITE}/kettle?ref=fedi&c=launch",
    "Our cold brew kit is back in stock! Grab one before it's gone #acmecoffee",
    "Firmware 2.4 for the SmartScale adds a pour-over timer & a flow-rate graph.",
    "Behind the scenes: every grinder runs 10,000 test cycles before it ships.",
    "Tip of the week: weigh your beans, don't scoop them. 18g in, 36g out is a great start.",
    "We're at the Berlin Coffee Festival this weekend, come say hi at booth 42!",
)
AUDIENCE_QUESTIONS = (
    'What\'s your go-to brew method on a Monday? Pour-over, espresso or "whatever is fastest"?',
    "Which colour should the next kettle come in: matte black, copper or sage?",
    "Tell us: how fine do you grind for your moka pot?",
    "What's one thing you'd change about your grinder? Be honest <3",
)
INCIDENT_POSTS = (
    f"Update on shipping: our warehouse is running 5-7 days behind. We're sorry & on it. {_SITE}/status",
    f"We found a faulty batch of G2 grinders (serials G2-2611-*). If yours is affected: {_SITE}/recall",
    "Another update on the G2 batch: replacement units ship next week. Thank you for your patience.",
)
ENGLISH: dict[str, tuple[str, ...]] = {
    "positive": (
        "Love this! My G2 has been going strong for two years.",
        "Brilliant tip, my espresso tastes so much better now.",
        "Just got mine & it's fantastic. Best coffee purchase I've made <3",
        "Ordered one already, exactly what I needed!",
        "The kettle is gorgeous, and it actually holds temperature. Great job!",
        "Customer support sorted out my order in minutes. Thank you!",
    ),
    "neutral": (
        "Ordered one, arriving Thursday.", "Interesting, will have a look at the specs.",
        "Moka pot here, grind setting 7.",
        "I use the G2 mostly for pour-over.", "Saw your booth at the festival last year.",
    ),
    "question": (
        "How do I descale the grinder?", "Does the G3 fit the old hopper?", "What's the warranty on the kettle?",
        "When will the cold brew kit ship to Canada?", "Is there a manual for the SmartScale firmware update?",
        "Can I swap the burrs myself or do I need to send it in?",
    ),
    "negative": (
        "My order is two weeks late & nobody answers my emails.", "Third time asking: where is my refund?",
        "The grinder started making a horrible noise after a month. Disappointed.",
        'The "quiet" motor is not quiet at all.',
        "Support closed my ticket without fixing anything. Not impressed.",
    ),
}
INCIDENT_COMPLAINTS = (
    "My grinder arrived broken. Burrs are chipped. This is unacceptable!",
    "Still no shipping update after 10 days. Worst customer experience ever.",
    "Broken G2 out of the box & support is ignoring me. Never buying Acme again.",
    "Refund please. Two broken grinders in a row, I'm done.",
    "Shipping delays again?! I paid for express & it's been two weeks.",
    "Absolutely furious. The replacement grinder is broken too.",
)
FOREIGN: dict[str, dict[str, tuple[str, ...]]] = {
    "de": {
        "positive": ("Die Mühle ist fantastisch, danke!", "Super Kundenservice, alles schnell gelöst."),
        "neutral": ("Ich nutze die G2 hauptsächlich für Filterkaffee.", "Bestellt, kommt am Donnerstag."),
        "question": ("Wie entkalke ich die Mühle?", "Gibt es die Mahlwerke auch einzeln?"),
        "negative": ("Meine Mühle kam kaputt an. Sehr enttäuschend!", "Zwei Wochen keine Lieferung, keine Antwort."),
    },
    "fr": {
        "positive": ("J'adore ce moulin, le café est bien meilleur !", "Service client au top, merci !"),
        "neutral": ("Commandé, livraison prévue jeudi.", "J'utilise surtout la cafetière italienne."),
        "question": ("Comment détartrer le moulin ?", "La bouilloire est-elle disponible en France ?"),
        "negative": ("Mon moulin est arrivé cassé. Inacceptable !", "Pas livré après deux semaines, très déçu."),
    },
    "es": {
        "positive": ("¡Me encanta el molinillo, el café sabe mejor!", "Atención al cliente excelente, ¡gracias!"),
        "neutral": ("Pedido hecho, llega el jueves.", "Uso sobre todo la cafetera italiana."),
        "question": ("¿Cómo descalcifico el molinillo?", "¿Hacen envíos a México?"),
        "negative": ("Mi molinillo llegó roto. ¡Inaceptable!", "Dos semanas sin noticias del envío."),
    },
}
BRAND_ANSWERS = {
    "question": (f"Thanks for asking! Here's our step-by-step guide: {_SITE}/help?topic=descale&model=g2",
                 "Yes, it does! Every G-series accessory fits.",
                 "Good question. We've sent you a DM with the details."),
    "negative": ("We're really sorry about this. Please send us your order number & we'll sort it out today.",
                 "That's not the experience we want you to have. Our team will reach out within 24h.",
                 "Sorry for the wait! A replacement is on its way."),
}
INCIDENT_ANSWER = f"We're sorry, this batch has a defect. You'll get a free replacement: {_SITE}/recall"
FIRST_NAMES = (
    "maria", "jonas", "lea", "sam", "priya", "tom", "aiko", "lucas", "zoe", "noah", "emma", "omar",
    "ines", "felix", "nina", "raj", "sofia", "ben", "chloe", "mateo", "hana", "liam", "olga", "yusuf",
)
SUFFIXES = ("", "_brews", "_bean", "_roasts", "83", "_pdx", "_k", "_moka", "_v60", "_latte")
SPECIAL_NAMES = ("Zoë <3 Espresso", "Sam & Alex", 'Jo "Crema" Park', "Café <Noir>")
REMOTE_DOMAINS = ("fosstodon.example", "mstdn.example", "hachyderm.example", "kaffee.social.example")
NOTES = ("Coffee nerd & home barista.", "Pour-over person.", "")
APPS = ("Web", "Ivory", "Tusky", "Elk", "Ice Cubes", "Mona")
NORMAL_TONES = (("positive", 0.40), ("neutral", 0.27), ("question", 0.20), ("negative", 0.13))
BAD_TONES = (("positive", 0.05), ("neutral", 0.10), ("question", 0.15), ("negative", 0.70))
ACME = DemoBrand(
    username=BRAND_USERNAME, display_name=BRAND_DISPLAY_NAME,
    note="Grinders, kettles & scales for people who care about their cup. Support: DM us.",
    followers=BRAND_FOLLOWERS, following=BRAND_FOLLOWING, hashtag=HASHTAG, site=_SITE, language="en",
    news=NEWS, audience_questions=AUDIENCE_QUESTIONS, incident_posts=INCIDENT_POSTS, texts=ENGLISH,
    incident_complaints=INCIDENT_COMPLAINTS, brand_answers=BRAND_ANSWERS, incident_answer=INCIDENT_ANSWER,
    other_languages=FOREIGN, extra_tags=("#coffee", "#espresso", "#pourover"),
    flourishes=("", "", "", " :)", " ☕", " 🙏"), blog_path="/blog/latte-art?utm_source=fedi&utm_medium=social",
)


@dataclass(frozen=True)
class DemoAccount:
    """A Mastodon account of the demo world; `domain` is None for accounts local to the server."""

    id: str
    username: str
    display_name: str
    note: str
    followers_count: int
    following_count: int
    created_days_ago: int
    domain: str | None = None
    bot: bool = False
    activity: float = 1.0

    @property
    def acct(self) -> str:
        """The Webfinger acct: the username, plus the domain for remote accounts."""
        return self.username if self.domain is None else f"{self.username}@{self.domain}"


@dataclass(frozen=True)
class DemoStatus:
    """A status (a boost when `reblog_of` is set), posted `offset` seconds before now."""

    seq: int
    account_id: str
    offset: float
    kind: StatusKind
    text: str = ""
    language: str | None = "en"
    tone: Tone | None = None
    in_reply_to: int | None = None
    reblog_of: int | None = None
    mention_ids: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    spoiler_text: str = ""
    edited_after: float | None = None
    application: str | None = None


@dataclass(frozen=True)
class DemoFavourite:
    """A favourite of status `status` (a seq) by an account, `offset` seconds before now."""

    seq: int
    account_id: str
    status: int
    offset: float


@dataclass(frozen=True)
class DemoWorld:
    """The whole demo world; `statuses[i].seq == i` and every time is an offset before now."""

    seed: int
    days: int
    brand: DemoAccount
    accounts: tuple[DemoAccount, ...]
    statuses: tuple[DemoStatus, ...]
    favourites: tuple[DemoFavourite, ...]

    @cached_property
    def accounts_by_id(self) -> dict[str, DemoAccount]:
        """Accounts keyed by id."""
        return {account.id: account for account in self.accounts}

    def find_account(self, username: str, domain: str | None = None) -> DemoAccount | None:
        """The account with this username (case-insensitive) on this domain (None = local)."""
        return self._by_acct.get((username.lower(), domain.lower() if domain else None))

    @cached_property
    def _by_acct(self) -> dict[tuple[str, str | None], DemoAccount]:
        return {(a.username.lower(), a.domain): a for a in self.accounts}


@lru_cache(maxsize=8)
def build_demo_world(
    seed: int = DEFAULT_SEED, *, days: int = DEFAULT_DAYS, customers: int = DEFAULT_CUSTOMERS,
    spec: DemoBrand = ACME,
) -> DemoWorld:
    """Generate a demo brand's world (the coffee-gear brand by default); the same arguments give the same world."""
    rng = random.Random(seed)
    brand = DemoAccount(
        id=_account_id(rng), username=spec.username, display_name=spec.display_name, note=spec.note,
        followers_count=spec.followers, following_count=spec.following, created_days_ago=1_130,
    )
    builder = _WorldBuilder(rng, brand, _make_customers(rng, customers), spec)
    for day in range(days - 1, -1, -1):
        builder.add_day(day)
    builder.add_brand_boosts(5)
    return DemoWorld(
        seed=seed, days=days, brand=brand, accounts=(brand, *builder.customers),
        statuses=tuple(builder.statuses), favourites=tuple(builder.favourites),
    )


def _account_id(rng: random.Random) -> str:
    return str(109_000_000_000_000_000 + rng.randrange(10**15))


def _make_customers(rng: random.Random, count: int) -> list[DemoAccount]:
    names = [first + suffix for suffix in SUFFIXES for first in FIRST_NAMES]
    rng.shuffle(names)
    ranks = list(range(1, count + 1))
    rng.shuffle(ranks)
    return [_make_customer(rng, i, names[i], ranks[i], count) for i in range(count)]


def _make_customer(rng: random.Random, index: int, username: str, rank: int, count: int) -> DemoAccount:
    bot = index == count - 1
    first = username.split("_")[0].rstrip("0123456789").capitalize()
    display = SPECIAL_NAMES[index] if index < len(SPECIAL_NAMES) else f"{first} {chr(65 + rng.randrange(26))}."
    return DemoAccount(
        id=_account_id(rng),
        username="coffee_deals_bot" if bot else username,
        display_name="Coffee Deals Bot" if bot else display,
        note="Automated coffee gear deals." if bot else rng.choice(NOTES),
        followers_count=int(rng.lognormvariate(4.6, 1.1)),
        following_count=int(rng.lognormvariate(5.0, 0.7)),
        created_days_ago=rng.randint(60, 2_500),
        domain=rng.choice(REMOTE_DOMAINS) if rng.random() < 0.3 else None,
        bot=bot,
        activity=0.2 if bot else 1.0 / rank**1.1,
    )


class _WorldBuilder:
    """Accumulates statuses and favourites day by day, drawing every choice from one rng."""

    def __init__(self, rng: random.Random, brand: DemoAccount, customers: list[DemoAccount],
                 spec: DemoBrand = ACME) -> None:
        self.rng = rng
        self.spec = spec
        self.brand = brand
        self.customers = customers
        self.statuses: list[DemoStatus] = []
        self.favourites: list[DemoFavourite] = []
        self._by_acct = {(a.username.lower(), a.domain): a for a in (brand, *customers)}
        self._by_id = {a.id: a for a in (brand, *customers)}

    def add_day(self, day: int) -> None:
        """Add one day of owned posts with their threads, mentions and hashtag posts."""
        bad = day in BAD_STRETCH_DAYS
        scale = self.spec.crisis_scale if bad else 1
        for _ in range(2 if bad else self.rng.choice((1, 2, 2, 2, 3))):
            self._add_owned(day, bad, scale)
        for _ in range(self.rng.randint(1, 4) * scale):
            self._add_mention(day, bad)
        for _ in range(self.rng.randint(1, 4) * scale):
            self._add_hashtag_post(day, bad)

    def add_brand_boosts(self, count: int) -> None:
        """Let the brand boost a few positive customer hashtag posts."""
        candidates = [s for s in self.statuses if s.kind == "hashtag" and s.tone == "positive"]
        for status in self.rng.sample(candidates, min(count, len(candidates))):
            self._add_reblog(self.brand, status)

    def _add(self, account: DemoAccount, offset: float, kind: StatusKind, text: str = "",
             **extra: object) -> DemoStatus:
        seq = len(self.statuses)
        if seq >= SEQ_LIMIT:
            raise ValueError("demo world too large for 16-bit snowflake sequences")
        status = DemoStatus(
            seq=seq, account_id=account.id, offset=round(offset, 3), kind=kind, text=text,
            mention_ids=self._mentions(text), tags=_tags(text), **extra,  # type: ignore[arg-type]
        )
        self.statuses.append(status)
        return status

    def _mentions(self, text: str) -> tuple[str, ...]:
        found: list[str] = []
        for match in TOKEN_RE.finditer(text):
            account = self._by_acct.get(((match["user"] or "").lower(), match["domain"]))
            if match["user"] and account and account.id not in found:
                found.append(account.id)
        return tuple(found)

    def _add_owned(self, day: int, bad: bool, scale: int) -> None:
        offset = day * DAY_SECONDS + self.rng.uniform(2 * 3600, 22 * 3600)
        spec = self.spec
        pool = (spec.incident_posts if bad and self.rng.random() < 0.6
                else self.rng.choice((spec.news, spec.news, spec.audience_questions)))
        edited = self.rng.uniform(60, 900) if self.rng.random() < 0.08 else None
        root = self._add(self.brand, offset, "owned", self.rng.choice(pool), tone="neutral", application="Web",
                         edited_after=edited)
        self._add_thread(root, sum(self.rng.randint(2, 15) for _ in range(scale)), bad)
        self._add_reactions(root, bad)

    def _add_thread(self, root: DemoStatus, replies: int, bad: bool) -> None:
        nodes = [root]
        for _ in range(replies):
            parent = root if len(nodes) == 1 or self.rng.random() < 0.65 else self.rng.choice(nodes[1:])
            reply = self._add_reply(parent, bad)
            nodes.append(reply)
            answer = self._maybe_answer(reply, bad)
            if answer is not None:
                nodes.append(answer)

    def _add_reply(self, parent: DemoStatus, bad: bool) -> DemoStatus:
        author = self._pick_customer(exclude=parent.account_id)
        tone = self._pick_tone(bad)
        body, language = self._customer_text(tone, bad)
        parent_author = self._by_id[parent.account_id]
        prefix = "" if parent_author is self.brand else f"@{parent_author.acct} "
        text = f"{prefix}@{self.spec.username} {body}"
        reply = self._add(author, self._after(parent.offset, 2_400), "reply", text, language=language, tone=tone,
                          in_reply_to=parent.seq, application=self._app(author), **self._spoiler(tone))
        if self.rng.random() < 0.3:
            self._add_favourites(reply, self.rng.randint(1, 3))
        return reply

    def _maybe_answer(self, status: DemoStatus, bad: bool) -> DemoStatus | None:
        if status.tone not in ("question", "negative") or self.rng.random() >= 0.6:
            return None
        spec = self.spec
        pool = (spec.incident_answer,) if bad and status.tone == "negative" else spec.brand_answers[status.tone]
        text = f"@{self._by_id[status.account_id].acct} {self.rng.choice(pool)}"
        offset = self._after(status.offset, 5_400)
        return self._add(self.brand, offset, "brand_reply", text, tone="neutral", in_reply_to=status.seq,
                         application="Web")

    def _add_mention(self, day: int, bad: bool) -> None:
        author = self._pick_customer()
        tone = self._pick_tone(bad)
        body, language = self._customer_text(tone, bad)
        shape = self.rng.choice(("@{b} {t}", "{t} @{b}", "Hey @{b}, {t}", "{t} cc @{o} @{b}"))
        text = shape.format(b=self.spec.username, t=body, o=self._pick_customer(exclude=author.id).acct)
        status = self._add(author, self._day_offset(day), "mention", text, language=language, tone=tone,
                           application=self._app(author), **self._spoiler(tone))
        self._maybe_answer(status, bad)

    def _add_hashtag_post(self, day: int, bad: bool) -> None:
        author = self._pick_customer()
        tone = self._pick_tone(bad)
        body, language = self._customer_text(tone, bad)
        spec = self.spec
        extras = [f"#{spec.hashtag}"]
        if self.rng.random() < 0.4:
            extras.append(f"@{spec.username}")
        if self.rng.random() < 0.2:
            extras.append(self.rng.choice(spec.extra_tags))
        if self.rng.random() < 0.15:
            extras.append(f"{spec.site}{spec.blog_path}")
        text = f"{body} {' '.join(extras)}"
        status = self._add(author, self._day_offset(day), "hashtag", text, language=language, tone=tone,
                           application=self._app(author))
        if self.rng.random() < 0.5:
            self._add_favourites(status, self.rng.randint(1, 6))

    def _add_reactions(self, status: DemoStatus, bad: bool) -> None:
        favourites = min(len(self.customers), max(2, int(self.rng.paretovariate(1.4) * (5 if bad else 9))))
        self._add_favourites(status, favourites)
        for booster in self._sample_customers(self.rng.randint(0, 3 if bad else 9), exclude=status.account_id):
            self._add_reblog(booster, status)

    def _add_favourites(self, status: DemoStatus, count: int) -> None:
        for account in self._sample_customers(count, exclude=status.account_id):
            offset = self._after(status.offset, 3 * 3600)
            self.favourites.append(DemoFavourite(len(self.favourites), account.id, status.seq, round(offset, 3)))

    def _add_reblog(self, account: DemoAccount, status: DemoStatus) -> None:
        offset = self._after(status.offset, 2 * 3600)
        self._add(account, offset, "reblog", language=None, reblog_of=status.seq)

    def _customer_text(self, tone: Tone, bad: bool) -> tuple[str, str | None]:
        spec = self.spec
        roll = self.rng.random()
        if roll < spec.other_share:
            language = self.rng.choice(tuple(spec.other_languages))
            return self.rng.choice(spec.other_languages[language][tone]), language
        pool = spec.incident_complaints if tone == "negative" and bad else spec.texts[tone]
        flourish = self.rng.choice(spec.flourishes)
        without_language = roll < spec.other_share + spec.no_language_share
        return self.rng.choice(pool) + flourish, None if without_language else spec.language

    def _spoiler(self, tone: Tone) -> dict[str, str]:
        return {"spoiler_text": "long rant"} if tone == "negative" and self.rng.random() < 0.05 else {}

    def _pick_tone(self, bad: bool) -> Tone:
        table = BAD_TONES if bad else NORMAL_TONES
        return self.rng.choices([t for t, _ in table], weights=[w for _, w in table])[0]  # type: ignore[return-value]

    def _pick_customer(self, exclude: str | None = None) -> DemoAccount:
        while True:
            account = self.rng.choices(self.customers, weights=[c.activity for c in self.customers])[0]
            if account.id != exclude:
                return account

    def _sample_customers(self, count: int, exclude: str) -> list[DemoAccount]:
        """Weighted sample without replacement (Efraimidis-Spirakis keys)."""
        keyed = [(self.rng.random() ** (1.0 / c.activity), c) for c in self.customers if c.id != exclude]
        keyed.sort(key=lambda pair: pair[0], reverse=True)
        return [c for _, c in keyed[:count]]

    def _after(self, offset: float, mean_delay: float) -> float:
        """An offset later than `offset` (closer to now) but still strictly in the past."""
        delay = 30 + self.rng.expovariate(1.0 / mean_delay)
        return offset - min(delay, offset / 2)

    def _day_offset(self, day: int) -> float:
        return day * DAY_SECONDS + self.rng.uniform(600, DAY_SECONDS - 1)

    def _app(self, account: DemoAccount) -> str | None:
        return None if account.domain is not None else self.rng.choice(APPS)


def _tags(text: str) -> tuple[str, ...]:
    names = [m["tag"].lower() for m in TOKEN_RE.finditer(text) if m["tag"]]
    return tuple(dict.fromkeys(names))
