"""Reads or changes a DICOM SEG with pydicom, for test/core/io/dicomSeg.test.ts.

  segVariant.py info SEG            prints JSON: pixel_array shape, segment numbers,
                                    the segment number, referenced SOP Instance UID
                                    and voxel count of each frame
  segVariant.py shift-half SEG OUT  every frame's ImagePositionPatient moved half a
                                    slice (SpacingBetweenSlices) along the normal
  segVariant.py spacing SEG OUT     PixelSpacing of the shared Pixel Measures x 1.1
  segVariant.py orientation SEG OUT row and column directions of the shared Plane
                                    Orientation swapped
"""
import json
import sys

import numpy as np
import pydicom

mode, src = sys.argv[1], sys.argv[2]
ds = pydicom.dcmread(src)
if mode == 'info':
    a = ds.pixel_array
    if a.ndim == 2:
        a = a[np.newaxis]
    frames = ds.PerFrameFunctionalGroupsSequence
    print(json.dumps({
        'shape': list(a.shape),
        'sopClass': str(ds.SOPClassUID),
        'segments': [int(s.SegmentNumber) for s in ds.SegmentSequence],
        'labels': [str(s.SegmentLabel) for s in ds.SegmentSequence],
        'frameSegment': [int(f.SegmentIdentificationSequence[0].ReferencedSegmentNumber) for f in frames],
        'frameSource': [str(f.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID) for f in frames],
        'frameVoxels': [int(x) for x in a.reshape(a.shape[0], -1).sum(axis=1)],
        'frameOfReference': str(ds.FrameOfReferenceUID),
        'study': str(ds.StudyInstanceUID),
        'referencedSeries': str(ds.ReferencedSeriesSequence[0].SeriesInstanceUID),
    }))
    sys.exit(0)
out = sys.argv[3]
shared = ds.SharedFunctionalGroupsSequence[0]
if mode == 'shift-half':
    o = [float(v) for v in shared.PlaneOrientationSequence[0].ImageOrientationPatient]
    n = np.cross(o[:3], o[3:])
    step = float(shared.PixelMeasuresSequence[0].SpacingBetweenSlices) / 2
    for f in ds.PerFrameFunctionalGroupsSequence:
        p = f.PlanePositionSequence[0]
        p.ImagePositionPatient = [round(float(v) + step * float(d), 4) for v, d in zip(p.ImagePositionPatient, n)]
elif mode == 'spacing':
    m = shared.PixelMeasuresSequence[0]
    m.PixelSpacing = [round(float(v) * 1.1, 5) for v in m.PixelSpacing]
elif mode == 'orientation':
    o = shared.PlaneOrientationSequence[0]
    v = list(o.ImageOrientationPatient)
    o.ImageOrientationPatient = v[3:] + v[:3]
else:
    sys.exit(f'unknown mode {mode}')
ds.save_as(out)
