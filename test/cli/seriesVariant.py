"""Writes a copy of a real DICOM series with ONE thing changed, the way real
archives go wrong (test cases for the CLI's trust checks; never product code).

usage: seriesVariant.py SRC DST KIND
  crop-right   keep the right half of the image columns (the patient's left
               on an axial LPS image), ImagePositionPatient moved to the new
               first column: a field of view that cuts the lungs
  crop-centre  keep the middle half of the columns (a small field of view
               that cuts both lungs at the sides)
  one-slice    only the middle slice
  gaps         drop slices: keep the first third and the last third (a stack
               with a hole in the middle)
  tilt         every slice moved along its column direction by its distance
               along the stack times tan 15 degrees (a gantry-tilted stack,
               the images themselves unchanged)
  no-positions ImagePositionPatient removed from every slice
  uneven       the slices of the upper half 1.3 times as far apart as those
               of the lower half
Slices are ordered by ImagePositionPatient along the slice normal.
"""
import os
import sys

import numpy as np
import pydicom


def normal_of(ds):
    o = [float(v) for v in ds.ImageOrientationPatient]
    return np.cross(o[:3], o[3:])


def main():
    src, dst, kind = sys.argv[1:4]
    os.makedirs(dst, exist_ok=True)
    files = sorted(f for f in os.listdir(src) if os.path.isfile(os.path.join(src, f)))
    headers = [(f, pydicom.dcmread(os.path.join(src, f), stop_before_pixels=True)) for f in files]
    n = normal_of(headers[0][1])
    headers.sort(key=lambda fh: float(np.dot(n, [float(v) for v in fh[1].ImagePositionPatient])))
    names = [f for f, _ in headers]
    if kind == 'one-slice':
        keep = [names[len(names) // 2]]
    elif kind == 'gaps':
        third = len(names) // 3
        keep = names[:third] + names[2 * third:]
    elif kind in ('crop-right', 'crop-centre', 'tilt', 'uneven', 'no-positions'):
        keep = names
    else:
        raise SystemExit(f'unknown kind {kind}')
    z0 = float(np.dot(n, [float(v) for v in headers[0][1].ImagePositionPatient]))
    half = len(names) // 2
    z_half = float(np.dot(n, [float(v) for v in headers[half][1].ImagePositionPatient])) - z0
    for f in keep:
        ds = pydicom.dcmread(os.path.join(src, f))
        ipp = np.array([float(v) for v in ds.ImagePositionPatient])
        along = float(np.dot(n, ipp)) - z0
        if kind == 'tilt':
            col_dir = np.array([float(v) for v in ds.ImageOrientationPatient[3:]])
            ds.ImagePositionPatient = [f'{v:.6f}' for v in ipp + col_dir * along * np.tan(np.radians(15))]
        if kind == 'no-positions':
            del ds.ImagePositionPatient
        if kind == 'uneven' and along > z_half:
            ds.ImagePositionPatient = [f'{v:.6f}' for v in ipp + n * 0.3 * (along - z_half)]
        if kind in ('crop-right', 'crop-centre'):
            cols = int(ds.Columns)
            c0 = cols // 2 if kind == 'crop-right' else cols // 4
            c1 = cols if kind == 'crop-right' else cols - cols // 4
            px = ds.pixel_array[:, c0:c1].copy()
            row_dir = np.array([float(v) for v in ds.ImageOrientationPatient[:3]])
            col_spacing = float(ds.PixelSpacing[1])
            ipp = np.array([float(v) for v in ds.ImagePositionPatient]) + row_dir * col_spacing * c0
            ds.ImagePositionPatient = [f'{v:.6f}' for v in ipp]
            ds.Columns = px.shape[1]
            ds.PixelData = px.astype(px.dtype).tobytes()
        ds.save_as(os.path.join(dst, f))


if __name__ == '__main__':
    main()
