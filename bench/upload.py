"""The request time of saving a camera-size picture: ``make bench-upload``.

Builds a throwaway site (SQLite and media in a temporary folder), logs in as a superuser
and saves photo-like 6,000 × 4,000 JPEGs (``bench.images.photo``) through the image
library's admin form, as an editor does, timing each request from the post to its
answer; then times the renditions the worker makes of one of them (``images.tasks``),
which the request no longer waits for. Prints the figures, median and slowest.
"""

import statistics
import time
from pathlib import Path

from bench.scratch import scratch_site

ROOT = Path(__file__).resolve().parent.parent
RUNS = 10


def main():
    scratch_site("ifp-bench-upload-")
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from bench.images import photo
    from images.models import Image
    from images.tasks import make_renditions

    admin = get_user_model().objects.create_superuser("bench", password="bench-pw")
    client = Client()
    client.force_login(admin)
    url = reverse("admin:images_image_add")
    client.get(url)  # the first request loads what every later one has
    timings, sizes = [], []
    for seed in range(RUNS):
        data = photo(6000, 4000, seed=seed)
        sizes.append(len(data))
        form = {"file": SimpleUploadedFile(f"camera-{seed}.jpg", data, "image/jpeg")}
        form.update(alt=f"Photo {seed}", title="", caption="", credit="", tags="")
        form.update(focal_x="", focal_y="")
        started = time.perf_counter()
        response = client.post(url, form)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 302, response.content[:500]
    image = Image.objects.latest()
    started = time.perf_counter()
    make_renditions.call(image.pk)
    worker = time.perf_counter() - started
    image.refresh_from_db()
    print(
        f"{RUNS} saves of a 6000 x 4000 JPEG ({statistics.mean(sizes) / 1e6:.1f} MB) "
        "through the admin's image form:"
    )
    print("  request times: " + ", ".join(f"{t:.2f} s" for t in timings))
    print(f"  median {statistics.median(timings):.2f} s, slowest {max(timings):.2f} s")
    files = len(image.stored_files) - 1
    print(f"  then the worker's task: {files} renditions in {worker:.1f} s")


if __name__ == "__main__":
    main()
