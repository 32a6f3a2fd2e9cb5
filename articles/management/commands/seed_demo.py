"""Demo content: the Iran Front Page article of docs/reference/seed-article-page.txt, its
author and the six Recent Posts beside it, published at the ages the seed page shows; the
Persian edition's articles (``articles/demo_persian.py``), made the same way; a live story."""

import io
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from articles import demo_persian, services
from articles.models import Article, Section
from articles.origin import absolute_url
from images.services import image_from_file
from staff.models import Author

SECTIONS = [
    ("Politics", "politics", "Iran's government, parliament and foreign policy."),
    ("Society", "society", "Life in Iran: law, health, environment and the city."),
    ("World", "world", "The region and the world, as they touch Iran."),
    ("Media", "media", "What Iran's newspapers and agencies are saying."),
]

DESK_BIO = (
    "The IFP Editorial Staff is composed of dozens of skilled journalists, news-writers, "
    "and analysts whose works are edited and published by experienced editors specialized "
    "in Iran News. The editor of each IFP Service is responsible for the report published "
    "by the Iran Front Page (IFP) news website, and can be contacted through the ways "
    'mentioned in the "IFP Editorial Staff" section.'
)

AUTHORS = [
    {
        "slug": "ifp-editorial-staff",
        "name": "IFP Editorial Staff",
        "kind": Author.Kind.DESK,
        "job_title": "",
        "bio": DESK_BIO,
    },
    {
        "slug": "sara-ahmadi",
        "name": "Sara Ahmadi",
        "kind": Author.Kind.PERSON,
        "job_title": "Society reporter",
        "bio": "Sara Ahmadi covers law, health and the environment in Tehran for IFP.",
    },
]

SEED_BODY = [
    "A number of Palestinian groups have, in separate letters, appreciated the stance "
    "adopted on the cause of Palestine by Iran’s Leader Ayatollah Seyyed Ali Khamenei on "
    "this year’s International Quds Day.",
    "In the letters, five Palestinian groups once again expressed their gratitude to Iran "
    "and the Leader for their support for Palestinian people’s struggles and for refusing "
    "to recognise the Israeli regime.",
    "The groups reiterated Tehran’s role as the pivot of unity among, and resistance by "
    "Islamic countries.",
    "They also honoured the memory of assassinated Iranian general Qassem Soleimani and his "
    "role in keeping the cause of Palestine alive.",
    "In a live televised speech on May 7, 2021, marking International Quds Day, Ayatollah "
    "Khamenei touched upon the quantitative and qualitative growth of resistance forces, and "
    "noted the balance of power in occupied Palestinian territories was tipped in favour of "
    "the world of Islam.",
    "He also underlined that Tel Aviv was in a downward spiral and underscored the need for "
    "continued resistance against the Israeli regime.",
    "In their letters, the Palestinian groups said the Leader’s speech came at a time when "
    "Palestinian anti-Israeli protests had grown into a mass movement and Israeli settlers "
    "were carrying out brutal attacks on the city of Qods.",
    "“Settlers desecrated sanctities and assaulted Qods residents,” read part of one of the "
    "letters.",
    "The groups said that Palestinians were also attacked by bullets and tear gas.",
    "“This unflinching support by Ayatollah Khamenei, the Leader of Islamic Leader, played a "
    "major role in boosting the power of [Palestinian] fighters in Gaza, the West Bank and "
    "Qods, and in [strengthening them in] the fight agains the Zionist enemy,” said the "
    "letters.",
    "They also reiterated Ayatollah Khamenei’s statement that the Israeli regime only "
    "understands the language of force.",
]

# The seed article and the six Recent Posts beside it, with the age each one shows.
ARTICLES = [
    {
        "slug": "palestinian-groups-appreciate-iran-leaders-stance-on-cause-of-palestine",
        "title": "Palestinian Groups Appreciate Iran Leader’s Stance on Cause of Palestine",
        "kicker": "IFP Exclusive",
        "section": "politics",
        "authors": ["ifp-editorial-staff"],
        "tags": ["Palestine", "Quds Day", "Ayatollah Khamenei"],
        "age": timedelta(hours=3, minutes=30),
        "is_featured": True,
        "image": {
            "alt": "Illustration with the words “International Quds Day”",
            "caption": "International Quds Day is marked on the last Friday of Ramadan.",
            "credit": "IFP illustration",
            "text": "International Quds Day",
        },
        "body": SEED_BODY,
    },
    {
        "slug": "iranian-legal-expert-lambasts-internet-filtering-as-unlawful",
        "title": "Iranian legal expert lambasts internet filtering as ‘unlawful’",
        "section": "society",
        "authors": ["ifp-editorial-staff"],
        "tags": ["Internet", "Law"],
        "age": timedelta(minutes=1, seconds=5),
        "body": [
            "A renowned Iranian scholar of law, who has been in headlines in recent years for "
            "his outspoken legal opinions, has described the filtering of the internet in Iran "
            "as unlawful.",
            "He said no law passed by parliament gives any body the authority to block "
            "ordinary people’s access to websites and messaging apps.",
        ],
    },
    {
        "slug": "ex-iranian-diplomat-suggests-naming-a-street-in-tehran-after-egypt",
        "title": "Ex-Iranian diplomat suggests naming a street in Tehran after Egypt",
        "section": "politics",
        "authors": ["ifp-editorial-staff"],
        "tags": ["Egypt", "Diplomacy", "Tehran"],
        "age": timedelta(hours=1, minutes=5),
        "body": [
            "A former Iranian diplomat has proposed naming a street in the Iranian capital "
            "Tehran after Egypt, a gesture he said could help warm relations between the two "
            "countries.",
            "Tehran and Cairo have had no full diplomatic ties for more than four decades.",
        ],
    },
    {
        "slug": "kayhan-after-syria-its-iraqs-turn-israel-aims-to-reach-euphrates",
        "title": "Kayhan: After Syria, it’s Iraq’s turn; Israel aims to reach Euphrates",
        "section": "media",
        "authors": ["ifp-editorial-staff"],
        "tags": ["Kayhan", "Syria", "Iraq"],
        "age": timedelta(hours=2, minutes=10),
        "body": [
            "Tehran-based Kayhan newspaper reported in its Saturday edition that within 48 "
            "hours of the fall of the Syrian government, Israel had widened its operations "
            "in the region.",
            "The hardline daily argued that Iraq would be the next target.",
        ],
    },
    {
        "slug": "tehran-experienced-18-days-of-unhealthy-air-in-past-30-days",
        "title": "Tehran experienced 18 days of unhealthy air in past 30 days",
        "section": "society",
        "authors": ["sara-ahmadi"],
        "tags": ["Tehran", "Air pollution"],
        "age": timedelta(hours=2, minutes=25),
        "body": [
            "The air quality in the Iranian capital Tehran during the past 30 days included 12 "
            "days that were unhealthy for sensitive groups and six days that were unhealthy for "
            "everyone.",
            "The capital had no day of clean air in that period.",
        ],
    },
    {
        "slug": "israeli-pm-to-skip-auschwitz-liberation-event-in-poland-over-icc-arrest-fears",
        "title": "Israeli PM to skip Auschwitz liberation event in Poland over ‘ICC arrest fears’",
        "section": "world",
        "authors": ["ifp-editorial-staff"],
        "tags": ["Israel", "Poland", "ICC"],
        "age": timedelta(hours=2, minutes=40),
        "body": [
            "Israeli Prime Minister Benjamin Netanyahu will not attend an event marking the "
            "80th anniversary of the liberation of the Auschwitz camp in Poland, according to "
            "reports.",
            "The reports linked his absence to a warrant for his arrest issued by the "
            "International Criminal Court.",
        ],
    },
    {
        "slug": "iran-calls-on-france-to-probe-killing-of-two-nationals-in-shooting",
        "title": "Iran calls on France to probe killing of two nationals in shooting",
        "section": "world",
        "authors": ["ifp-editorial-staff"],
        "tags": ["France", "Consular affairs"],
        "age": timedelta(hours=2, minutes=50),
        "body": [
            "Iran has urged the French government to thoroughly investigate the killing of two "
            "Iranians in a shooting in northern France.",
            "The foreign ministry said it was following the case through its embassy in Paris.",
        ],
    },
]

# A live story whose coverage is still open, with entries (newest last here), two of them
# key points and one with a picture: create_live_story.
LIVE_STORY = {
    "slug": "live-magnitude-5-9-earthquake-strikes-southern-iran",
    "title": "Live: magnitude 5.9 earthquake strikes southern Iran",
    "kicker": "Live",
    "section": "politics",
    "authors": ["ifp-editorial-staff"],
    "tags": ["Earthquake", "Hormozgan"],
    "age": timedelta(hours=6),
    "body": [
        "A magnitude 5.9 earthquake struck Hormozgan province in southern Iran early on "
        "Saturday, the Iranian Seismological Center said. This page follows the rescue "
        "effort as it happens.",
    ],
}
LIVE_ENTRIES = [
    # minutes ago, text, key point, picture caption (or None)
    (350, "The quake struck at a depth of 10 km, 30 km north of Bandar Abbas.", True, None),
    (
        240,
        "The Red Crescent says 14 rescue teams have reached the villages worst hit.",
        False,
        "Red Crescent teams in Hormozgan province",
    ),
    (120, "Schools in three counties will stay closed on Sunday, the governor said.", False, None),
    (45, "No deaths have been reported; 23 people were treated for light injuries.", True, None),
    (10, "A 4.1 aftershock was felt in Bandar Abbas; no new damage is reported.", False, None),
]

DEMO_USERS = [
    # username, password, superuser, role group, author slug
    ("admin", "admin", True, None, None),
    ("editor", "editor", False, "Editors", None),
    ("sara", "sara", False, "Writers", "sara-ahmadi"),
]


def demo_image(text, size=(1600, 900)):
    """A JPEG illustration made here, so the demo needs no downloaded photo."""
    width, height = size
    image = Image.new("RGB", size, "#7d0f20")
    draw = ImageDraw.Draw(image)
    for step in range(0, height, 6):
        shade = int(40 * step / height)
        draw.rectangle([0, step, width, step + 6], fill=(125 + shade, 15 + shade // 2, 32))
    draw.ellipse([width * 0.55, -height * 0.3, width * 1.2, height * 0.9], fill="#b8892b")
    draw.rectangle([0, height * 0.78, width, height], fill="#1a1a1a")
    font = ImageFont.load_default(size=96)
    draw.text((80, height * 0.42), text, fill="white", font=font)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return ContentFile(buffer.getvalue())


def create_sections(rows, *, language="en", positions=False):
    """The sections of ``rows`` (name, slug, description), those missing created in
    ``language``, in the navigation in that order where ``positions``; by slug."""
    sections = {}
    for position, (name, slug, description) in enumerate(rows):
        defaults = {"name": name, "description": description, "language": language}
        if positions:
            defaults["position"] = position
        sections[slug] = Section.objects.get_or_create(slug=slug, defaults=defaults)[0]
    return sections


class Command(BaseCommand):
    help = (
        "Create the demo site: the seed article, its desk author and the six recent posts. "
        "Idempotent: what already exists is left exactly as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin",
            action="store_true",
            help="Also create the local demo logins (admin, editor and sara, each with its "
            "name as password) and print them. "
            "Never use this on a public server.",
        )

    @transaction.atomic
    def handle(self, *args, admin=False, **options):
        now = timezone.now()
        sections = {
            **create_sections(SECTIONS, positions=True),
            **create_sections(demo_persian.SECTIONS, language=demo_persian.LANGUAGE),
        }
        authors = {
            data["slug"]: Author.objects.get_or_create(
                slug=data["slug"], defaults={k: v for k, v in data.items() if k != "slug"}
            )[0]
            for data in AUTHORS
        }
        created = 0
        for language, articles in [
            ("en", ARTICLES),
            (demo_persian.LANGUAGE, demo_persian.ARTICLES),
        ]:
            for data in articles:
                if Article.objects.filter(slug=data["slug"]).exists():
                    continue
                self.create_article(data, sections, authors, now, language=language)
                created += 1
        created += self.create_live_story(sections, authors, now)
        self.stdout.write(f"Demo content: {created} article(s) created.")
        if admin:
            self.create_users(authors)

    def create_article(self, data, sections, authors, now, language="en"):
        """The article ``data`` describes, in ``language``, published ``data["age"]`` before
        ``now``; a ``translation_of`` slug links it to the article it translates."""
        translated = data.get("translation_of")
        article = Article(
            slug=data["slug"],
            title=data["title"],
            kicker=data.get("kicker", ""),
            standfirst=data.get("standfirst", ""),
            section=sections[data["section"]],
            body="".join(f"<p>{paragraph}</p>" for paragraph in data["body"]),
            is_featured=data.get("is_featured", False),
            language=language,
            translation_of=Article.objects.filter(slug=translated).first() if translated else None,
        )
        if image := data.get("image"):
            picture = demo_image(image["text"])
            picture.name = f"{data['slug'][:40]}.jpg"
            article.image, _new = image_from_file(
                file=picture,
                title=image["text"],
                alt=image["alt"],
                caption=image["caption"],
                credit=image["credit"],
            )
        services.article_import(
            article=article,
            status=Article.Status.PUBLISHED,
            published_at=now - data["age"],
            bylines=[authors[slug].pk for slug in data["authors"]],
            tags=data["tags"],
            source="Created by the demo content",
            record_event=False,
        )

    def create_live_story(self, sections, authors, now):
        """The demo's live story (open coverage with entries); 1 if it was created."""
        from live.models import LiveEntry, LiveStory

        if Article.objects.filter(slug=LIVE_STORY["slug"]).exists():
            return 0
        self.create_article(LIVE_STORY, sections, authors, now)
        article = Article.objects.get(slug=LIVE_STORY["slug"])
        story = LiveStory.objects.create(article=article, coverage_start=now - LIVE_STORY["age"])
        for minutes, text, key_point, caption in LIVE_ENTRIES:
            picture = None
            if caption:
                upload = demo_image(caption)
                upload.name = f"live-{minutes}.jpg"
                picture, _new = image_from_file(
                    file=upload, title=caption, alt=caption, caption=caption, credit="IFP"
                )
            LiveEntry.objects.create(
                story=story,
                published_at=now - timedelta(minutes=minutes),
                body=f"<p>{text}</p>",
                is_key_point=key_point,
                image=picture,
                author=authors["sara-ahmadi"],
            )
        return 1

    def create_users(self, authors):
        User = get_user_model()
        for username, password, is_superuser, role, author_slug in DEMO_USERS:
            user, made = User.objects.get_or_create(
                username=username, defaults={"is_staff": True, "is_superuser": is_superuser}
            )
            if made:
                user.set_password(password)
                user.save()
                if role:
                    user.groups.add(Group.objects.get(name=role))
            if author_slug and authors[author_slug].user_id is None:
                authors[author_slug].user = user
                authors[author_slug].save(update_fields=["user"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin: {absolute_url('/admin/')}  logins: admin / admin (superuser), "
                "editor / editor (Editors), sara / sara (Writers; may edit her own bio)"
            )
        )
