"""Text fields that store only clean text (``core.text.clean_text``).

The rule runs when a value is saved (``pre_save``, which also fixes the instance in
memory) and whenever a value is written or compared in SQL (``get_prep_value``: also
``QuerySet.update`` and ``bulk_create``), so no write path can store a character that
would break a feed.
"""

from django.db import models

from core.text import clean_text


class CleanTextMixin:
    def to_python(self, value):
        return clean_text(super().to_python(value))

    def get_prep_value(self, value):
        return clean_text(super().get_prep_value(value))

    def pre_save(self, model_instance, add):
        value = clean_text(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)
        return value


class CleanCharField(CleanTextMixin, models.CharField):
    pass


class CleanTextField(CleanTextMixin, models.TextField):
    pass
