import io

from PIL import Image


def png_bytes(width=32, height=32, color="red"):
    """A real PNG made by Pillow, for upload and rendering tests."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()
