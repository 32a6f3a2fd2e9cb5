"""Pixels as browsers show them: 8 bits a channel, in sRGB.

The one conversion every picture goes through, when it is uploaded (``images.uploads``)
and again when its renditions are made (``images.renditions``, for originals stored before
the rule): high-bit-depth greys (scanners' 16-bit TIFF and PNG) are scaled, not clipped to
white; colour profiles (Adobe RGB, ProPhoto, CMYK press profiles) are converted to sRGB,
since WebP and JPEG renditions carry no profile; CMYK without a profile and the other
modes are converted as Pillow does.
"""

import functools
import io

# Modes that web formats store as they are.
WEB_MODES = ("L", "LA", "P", "RGB", "RGBA")


@functools.cache
def _srgb():
    from PIL import ImageCms

    return ImageCms.createProfile("sRGB")


def to_web(frame, icc_profile=None):
    """``frame`` (a Pillow image) in a web mode, 8 bits a channel, sRGB."""
    frame = _eight_bit(frame)
    if icc_profile:
        frame = _profile_to_srgb(frame, icc_profile)
    if frame.mode in WEB_MODES:
        return frame
    has_alpha = frame.mode in ("LA", "La", "PA", "RGBA", "RGBa") or "transparency" in frame.info
    if frame.mode == "1":
        return frame.convert("L")
    return frame.convert("RGBA" if has_alpha else "RGB")


def _eight_bit(frame):
    """Greys of 16 or 32 bits, or floats, scaled into 0–255."""
    if frame.mode.startswith("I;16"):
        return frame.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if frame.mode == "I":
        _low, high = frame.getextrema()
        scale = 1 / 256 if high > 255 else 1
        return frame.point(lambda value: value * scale).convert("L")
    if frame.mode == "F":
        # Floats carry no scale: 0–1 as most writers mean it, 0–255, or else stretched.
        low, high = frame.getextrema()
        if low >= 0 and high <= 1:
            return frame.point(lambda value: value * 255).convert("L")
        if low >= 0 and high <= 255:
            return frame.convert("L")
        span = (high - low) or 1
        return frame.point(lambda value: (value - low) * (255 / span)).convert("L")
    return frame


def _profile_to_srgb(frame, icc_profile):
    """Converted with the picture's own profile; a broken or mismatched profile (one for
    another colour space than the pixels') is ignored, as browsers ignore it."""
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
    except (OSError, ImageCms.PyCMSError):
        return frame
    alpha = None
    if frame.mode in ("LA", "PA", "RGBA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        alpha, frame = rgba.getchannel("A"), rgba.convert("RGB")
    elif frame.mode == "P":
        frame = frame.convert("RGB")
    try:
        # Relative colorimetric, as browsers render profiled pictures.
        converted = ImageCms.profileToProfile(
            frame,
            source,
            _srgb(),
            renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
            outputMode="RGB",
        )
    except ImageCms.PyCMSError:
        converted = frame
    if alpha is not None:
        converted.putalpha(alpha)
    return converted
