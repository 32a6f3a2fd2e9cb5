"""The Persian edition's demo content: two Persian sections and a handful of articles
written for the demo, one of them the seed article's translation, linked to it, so that
``make run`` shows /fa/ right to left, in Solar Hijri dates. ``seed_demo`` creates them as
it creates the English ones (``LANGUAGE``, bylined to the desk, published ``age`` ago).

Some spellings are left as readers and writers type them (a word without its zero-width
non-joiner, Arabic yeh and kaf in a query), so that the demo's search shows the folding."""

from datetime import timedelta

LANGUAGE = "fa"
SEED_SLUG = "palestinian-groups-appreciate-iran-leaders-stance-on-cause-of-palestine"

SECTIONS = [
    ("سیاست", "سیاست", "دولت، مجلس و سیاست خارجی ایران."),
    ("جامعه", "جامعه", "زندگی در ایران: قانون، سلامت، محیط زیست و شهر."),
]

ARTICLES = [
    {
        "slug": "قدردانی-گروه-های-فلسطینی-از-موضع-رهبر-ایران",
        "title": "قدردانی گروه‌های فلسطینی از موضع رهبر ایران درباره آرمان فلسطین",
        "kicker": "اختصاصی IFP",
        "standfirst": "پنج گروه فلسطینی در نامه‌هایی جداگانه از حمایت ایران قدردانی کردند.",
        "section": "سیاست",
        "authors": ["ifp-editorial-staff"],
        "tags": ["فلسطین", "روز قدس"],
        "age": timedelta(hours=3, minutes=40),
        "translation_of": SEED_SLUG,
        "body": [
            "شماری از گروه‌های فلسطینی در نامه‌هایی جداگانه از موضع آیت‌الله سید علی خامنه‌ای، "
            "رهبر ایران، درباره آرمان فلسطین در روز جهانی قدس امسال قدردانی کردند.",
            "در این نامه‌ها، پنج گروه فلسطینی بار دیگر از ایران و رهبری به سبب حمایت از "
            "مبارزات مردم فلسطین و به رسمیت نشناختن رژیم اسرائیل سپاسگزاری کردند.",
            "این گروه‌ها بر نقش تهران به عنوان محور وحدت و مقاومت کشورهای اسلامی تأکید کردند.",
        ],
    },
    {
        "slug": "خط-جدید-متروی-تهران",
        "title": "خط جدید متروی تهران به شمال غرب شهر می‌رسد",
        "standfirst": "شهرداری تهران می‌گوید ایستگاه‌های تازه تا پایان سال ۱۴۰۵ باز می‌شوند.",
        "section": "جامعه",
        "authors": ["ifp-editorial-staff"],
        "tags": ["تهران", "مترو"],
        "age": timedelta(hours=6),
        "body": [
            "شهرداری تهران اعلام کرد که کار ساخت سه ایستگاه تازه در خط ۱۰ متروی تهران به "
            "مرحله پایانی رسیده است.",
            "به گفته مسئولان، این ایستگاه‌ها روزانه به بیش از ۵۰ هزار مسافر خدمت خواهند داد "
            "و زمان سفر از غرب به مرکز شهر را کوتاه‌تر می‌کنند.",
        ],
    },
    {
        "slug": "صادرات-پسته-کرمان",
        "title": "صادرات پسته کرمان رکورد زد",
        "standfirst": "باغداران کرمان از برداشت خوب امسال و تقاضای بازارهای آسیایی خبر می‌دهند.",
        "section": "جامعه",
        "authors": ["ifp-editorial-staff"],
        "tags": ["کرمان", "پسته"],
        "age": timedelta(days=1, hours=2),
        "body": [
            "بر پایه آمار گمرک، صادرات پسته استان کرمان در هفت ماه نخست سال نسبت به مدت "
            "مشابه پارسال افزایش یافته است.",
            "گروههای صادرکننده می‌گویند بازارهای چین و هند بیشترین سهم را داشته‌اند.",
        ],
    },
    {
        "slug": "نشست-وزیران-خارجه-منطقه",
        "title": "نشست وزیران خارجه کشورهای منطقه در تهران برگزار شد",
        "standfirst": "وزیران خارجه هفت کشور درباره امنیت خلیج فارس گفت‌وگو کردند.",
        "section": "سیاست",
        "authors": ["ifp-editorial-staff"],
        "tags": ["دیپلماسی", "خلیج فارس"],
        "age": timedelta(days=2, hours=5),
        "body": [
            "وزیران خارجه هفت کشور منطقه روز گذشته در تهران دیدار و درباره همکاری‌های "
            "امنیتی و اقتصادی گفت‌وگو کردند.",
            "در بیانیه پایانی این نشست بر حل اختلاف‌ها از راه گفت‌وگو تأکید شده است.",
        ],
    },
    {
        "slug": "نمایشگاه-کتاب-تهران",
        "title": "نمایشگاه کتاب تهران با حضور ناشران خارجی آغاز می‌شود",
        "standfirst": "بیش از دو هزار ناشر ایرانی و خارجی در نمایشگاه امسال شرکت می‌کنند.",
        "section": "جامعه",
        "authors": ["ifp-editorial-staff"],
        "tags": ["تهران", "کتاب"],
        "age": timedelta(days=4),
        "body": [
            "سی و ششمین نمایشگاه بین‌المللی کتاب تهران هفته آینده در مصلای امام خمینی "
            "گشایش می‌یابد.",
            "برگزارکنندگان می‌گویند بخش کودک و نوجوان امسال بزرگ‌تر از همیشه است.",
        ],
    },
]
