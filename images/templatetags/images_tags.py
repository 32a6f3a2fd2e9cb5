from django import template

from images import markup

register = template.Library()


@register.simple_tag
def picture(image, spec, sizes, alt="", loading="lazy", fetchpriority=""):
    """``{% picture image "lead" "<sizes>" alt=… loading="eager" fetchpriority="high" %}``:
    see ``images.markup.picture``."""
    return markup.picture(
        image, spec, sizes, alt=alt, loading=loading, fetchpriority=fetchpriority
    )


@register.simple_tag
def responsive_body(fragment):
    """A story's sanitized body, its library pictures served as renditions."""
    return markup.responsive_body(fragment or "")
