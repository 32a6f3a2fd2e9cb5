import io

from PIL import Image


def png_bytes(width=32, height=32, color="red"):
    """A real PNG made by Pillow, for upload and rendering tests."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def picture_bytes(width=1200, height=800, *, seed=0, fmt="JPEG", **save_options):
    """A real picture made by Pillow, different for every ``seed``: a colour field with a
    few shapes, so that crops and resizes have something to keep."""
    from PIL import ImageDraw

    color = ((seed * 67) % 256, (seed * 131 + 40) % 256, (seed * 29 + 90) % 256)
    image = Image.new("RGB", (width, height), color)
    draw = ImageDraw.Draw(image)
    draw.ellipse([width // 4, height // 4, width // 2, height // 2], fill="white")
    draw.rectangle([0, height * 3 // 4, width, height], fill=(seed % 256, 0, 0))
    buffer = io.BytesIO()
    if fmt == "GIF":
        image = image.convert("P")
    image.save(buffer, fmt, **save_options)
    return buffer.getvalue()
