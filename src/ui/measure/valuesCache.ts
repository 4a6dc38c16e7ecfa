/**
 * Measured values of annotations, computed once per annotation object (the
 * store replaces an annotation when it changes, so its identity is the key)
 * and volume.
 */
import type { MeasurementValues } from '../../core/measure/measurementReport';
import type { Volume } from '../../core/volume/volume';
import type { Annotation } from '../../shared/annotations';
import { annotationValues } from '../../viewer2d/annotationGeometry';

const cache = new WeakMap<Annotation, { volume: Volume; values: MeasurementValues }>();

export function cachedAnnotationValues(volume: Volume, a: Annotation): MeasurementValues {
  const hit = cache.get(a);
  if (hit && hit.volume === volume) return hit.values;
  const values = annotationValues(volume, a);
  cache.set(a, { volume, values });
  return values;
}
