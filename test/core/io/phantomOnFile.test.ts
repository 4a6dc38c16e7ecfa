import { describe, expect, it } from 'vitest';
import { makePhantomSeries, type PhantomFile } from '../../../src/core/io/phantom';

describe('makePhantomSeries with onFile', () => {
  it('hands over the same files, in InstanceNumber order, and keeps none', () => {
    const params = { size: 32, slices: 9, seed: 4 };
    const kept = makePhantomSeries(params);
    const handed: PhantomFile[] = [];
    const streamed = makePhantomSeries({ ...params, onFile: (f) => handed.push(f) });
    expect(streamed.files).toEqual([]);
    expect(handed).toHaveLength(params.slices);
    // InstanceNumber order: the top slice (the last one in volume order) first.
    expect(handed.map((f) => f.name)).toEqual([...kept.truth.fileForSlice].reverse());
    const byName = new Map(kept.files.map((f) => [f.name, f.bytes]));
    for (const f of handed) expect(Buffer.from(f.bytes).equals(Buffer.from(byName.get(f.name)!))).toBe(true);
    expect(streamed.truth.voxelCounts).toEqual(kept.truth.voxelCounts);
  });
});
