import { describe, expect, it } from 'vitest';
import type { StoreApi } from 'zustand/vanilla';
import { createAppStore, initialData, type AppState } from '../../src/state/store';
import { analysisDefaults, createAnalysisSlice } from '../../src/state/slices/analysis';
import { createDisplaySlice, displayDefaults } from '../../src/state/slices/display';
import { createLayoutSlice, layoutDefaults } from '../../src/state/slices/layout';
import { createSelectionSlice, selectionDefaults } from '../../src/state/slices/selection';
import { createSessionSlice, sessionDefaults } from '../../src/state/slices/session';
import { createView2dSlice, view2dDefaults } from '../../src/state/slices/view2d';
import { createMeasurementsSlice, measurementsDefaults } from '../../src/state/slices/measurements';
import { createViewToolsSlice, viewToolsDefaults } from '../../src/state/slices/viewTools';

const SLICES = {
  session: [createSessionSlice, sessionDefaults],
  selection: [createSelectionSlice, selectionDefaults],
  view2d: [createView2dSlice, view2dDefaults],
  analysis: [createAnalysisSlice, analysisDefaults],
  display: [createDisplaySlice, displayDefaults],
  layout: [createLayoutSlice, layoutDefaults],
  measurements: [createMeasurementsSlice, measurementsDefaults],
  viewTools: [createViewToolsSlice, viewToolsDefaults],
} as const;

/** What a slice creator returns, made outside a store (its actions are not called). */
function sliceAlone(create: (typeof SLICES)[keyof typeof SLICES][0]): Record<string, unknown> {
  const never = () => {
    throw new Error('a slice reached the store while being created');
  };
  return create(never, never, {} as StoreApi<AppState>) as unknown as Record<string, unknown>;
}

describe('app store slices', () => {
  it('every field and action of the store belongs to exactly one slice', () => {
    const owner = new Map<string, string>();
    for (const [name, [create]] of Object.entries(SLICES)) {
      for (const key of Object.keys(sliceAlone(create))) {
        expect(owner.get(key), `${key} is in ${owner.get(key)} and ${name}`).toBeUndefined();
        owner.set(key, name);
      }
    }
    expect([...owner.keys()].sort()).toEqual(Object.keys(createAppStore().getState()).sort());
  });

  it("each slice starts at its own defaults, and they compose into initialData() and the fresh store's data", () => {
    const composed: Record<string, unknown> = {};
    for (const [create, defaults] of Object.values(SLICES)) {
      const slice = sliceAlone(create);
      const data = Object.fromEntries(Object.entries(slice).filter(([, v]) => typeof v !== 'function'));
      expect(data).toEqual(defaults());
      Object.assign(composed, defaults());
    }
    expect(composed).toEqual(initialData());
    const state = createAppStore().getState() as unknown as Record<string, unknown>;
    const stateData = Object.fromEntries(Object.entries(state).filter(([, v]) => typeof v !== 'function'));
    expect(stateData).toEqual(initialData());
  });

  it('a store made with some data starts from it, the rest at the defaults', () => {
    const s = createAppStore({ showPatientIds: true, sliceZ: 7 }).getState();
    expect(s.showPatientIds).toBe(true);
    expect(s.sliceZ).toBe(7);
    expect(s.helpOpen).toBe(layoutDefaults().helpOpen);
    expect(typeof s.setHelpOpen).toBe('function');
  });
});
