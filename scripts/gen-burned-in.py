#!/usr/bin/env python3
"""Writes the synthetic burned-in-text images of tests/data/burned-in/ (issue 14).

Each image has a patient's name, ID and date rendered into its pixels (DejaVu Sans Bold,
white on black, in the band y = 0..60) above a gradient with shapes, and the same
identifiers in its header. Needs pillow, numpy and pydicom:

    python3 -m venv /tmp/v && /tmp/v/bin/pip install pillow numpy pydicom
    /tmp/v/bin/python scripts/gen-burned-in.py

The files are committed; the tests do not run this script. Deterministic: the same
versions write the same bytes (fixed UIDs, no dates of the run).
"""

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import ExplicitVRLittleEndian, JPEGBaseline8Bit

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "burned-in"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
US = "1.2.840.10008.5.1.4.1.1.6.1"
US_MULTI = "1.2.840.10008.5.1.4.1.1.3.1"
SC = "1.2.840.10008.5.1.4.1.1.7"
NAME, PID, DATE = "DOE^JANE", "PID 73194628", "2024-03-15"


def picture(rows, cols, text=True, seed=0):
    """RGB array: a gradient with a disc, the identifiers in the top band."""
    y, x = np.mgrid[0:rows, 0:cols]
    r = (x * 255 // max(cols - 1, 1)).astype(np.uint8)
    g = (y * 255 // max(rows - 1, 1)).astype(np.uint8)
    b = np.full((rows, cols), (40 + 70 * seed) % 256, np.uint8)
    disc = (x - cols * 0.6) ** 2 + (y - rows * 0.65) ** 2 < (rows / 5) ** 2
    r[disc], g[disc], b[disc] = 200, 60, 90
    img = Image.fromarray(np.dstack([r, g, b]), "RGB")
    if text:
        d = ImageDraw.Draw(img)
        d.rectangle([0, 0, cols - 1, 59], fill=(0, 0, 0))
        f = ImageFont.truetype(FONT, 22)
        d.text((8, 4), NAME, font=f, fill=(255, 255, 255))
        d.text((8, 32), f"{PID}  {DATE}", font=f, fill=(255, 255, 255))
    return np.asarray(img)


def dataset(sop_class, n, rows, cols, manufacturer, model, burned):
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = f"1.2.826.0.1.3680043.10.1080.14.{n}"
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.10.1080.14.100"
    ds.SeriesInstanceUID = f"1.2.826.0.1.3680043.10.1080.14.200.{n}"
    ds.StudyDate = "20240315"
    ds.StudyTime = "101500"
    ds.AccessionNumber = "ACC7319"
    ds.Modality = "US" if sop_class != SC else "OT"
    if sop_class == SC:
        ds.ConversionType = "WSD"
    ds.Manufacturer = manufacturer
    ds.ManufacturerModelName = model
    ds.ReferringPhysicianName = ""
    ds.PatientName = NAME
    ds.PatientID = PID.split()[1]
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "F"
    ds.StudyID = "1"
    ds.SeriesNumber = "1"
    ds.InstanceNumber = "1"
    ds.PatientOrientation = ""
    ds.Laterality = "R"
    if sop_class != SC:
        ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.Rows, ds.Columns = rows, cols
    if burned is not None:
        ds.BurnedInAnnotation = burned
    return ds


def meta(ds, ts):
    m = FileMetaDataset()
    m.MediaStorageSOPClassUID = ds.SOPClassUID
    m.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    m.TransferSyntaxUID = ts
    m.ImplementationClassUID = "1.2.826.0.1.3680043.10.1080.14"
    ds.file_meta = m


def pixels(ds, frames, photometric, planar=False, bits=8):
    """Native pixel data from a list of RGB arrays."""
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits, bits, bits - 1
    ds.PixelRepresentation = 0
    if photometric == "RGB":
        ds.SamplesPerPixel = 3
        ds.PhotometricInterpretation = "RGB"
        ds.PlanarConfiguration = 1 if planar else 0
        data = [f.transpose(2, 0, 1) if planar else f for f in frames]
    else:
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        grey = [f.mean(axis=2) for f in frames]
        data = [(g * 257).astype("<u2") if bits == 16 else g.astype(np.uint8) for g in grey]
    if len(frames) > 1:
        ds.NumberOfFrames = len(frames)
        ds.FrameIncrementPointer = (0x0018, 0x1063)
        ds.FrameTime = "33.3"
    ds.PixelData = b"".join(np.ascontiguousarray(d).tobytes() for d in data)
    meta(ds, ExplicitVRLittleEndian)


def jpeg(ds, frame):
    """JPEG baseline (YBR_FULL_422), one frame."""
    buf = io.BytesIO()
    Image.fromarray(frame, "RGB").save(buf, "JPEG", quality=90, subsampling=2)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.PixelRepresentation = 0
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = "YBR_FULL_422"
    ds.PlanarConfiguration = 0
    ds.LossyImageCompression = "01"
    ds.PixelData = encapsulate([buf.getvalue()])
    ds["PixelData"].VR = "OB"
    meta(ds, JPEGBaseline8Bit)


def save(ds, name):
    OUT.mkdir(parents=True, exist_ok=True)
    ds.save_as(OUT / name, enforce_file_format=True)


def main():
    rows, cols = 300, 400
    # a signature-matched ultrasound: native RGB, then JPEG baseline
    ds = dataset(US, 1, rows, cols, "ACME Medical", "SONO 1", "YES")
    pixels(ds, [picture(rows, cols)], "RGB")
    save(ds, "us-native.dcm")
    ds = dataset(US, 2, rows, cols, "ACME Medical", "SONO 1", "YES")
    jpeg(ds, picture(rows, cols))
    save(ds, "us-jpeg.dcm")
    # unmatched: a secondary capture that says YES, an ultrasound that says nothing
    ds = dataset(SC, 3, rows, cols, "Other Vendor", "SCREEN", "YES")
    pixels(ds, [picture(rows, cols)], "MONOCHROME2")
    save(ds, "sc-burned.dcm")
    ds = dataset(US, 4, 64, 80, "Other Vendor", "PORTABLE", None)
    pixels(ds, [picture(64, 80, text=False)], "RGB")
    save(ds, "us-unflagged.dcm")
    # layouts for the byte-level tests: planar RGB multi-frame, 16-bit multi-frame
    ds = dataset(US_MULTI, 5, 48, 64, "ACME Medical", "SONO 1", "YES")
    pixels(ds, [picture(48, 64, False, s) for s in range(3)], "RGB", planar=True)
    save(ds, "us-planar-3frames.dcm")
    ds = dataset(SC, 6, 48, 64, "ACME Medical", "SONO 1", "YES")
    pixels(ds, [picture(48, 64, False, s) for s in range(2)], "MONOCHROME2", bits=16)
    save(ds, "sc-mono16-2frames.dcm")


if __name__ == "__main__":
    main()
