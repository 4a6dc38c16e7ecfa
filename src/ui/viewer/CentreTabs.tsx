import { CENTRE_TABS, useAppStore, type CentreTab } from '../../state/store';

const TAB_LABELS: Record<CentreTab, string> = {
  axial: 'Axial',
  coronal: 'Coronal',
  sagittal: 'Sagittal',
  mpr: 'Grid',
  story: 'Story',
  '3d': '3D',
};

const TAB_TITLES: Record<CentreTab, string> = {
  axial: 'Axial slices (1)',
  coronal: 'Coronal slices (2)',
  sagittal: 'Sagittal slices (3)',
  mpr: 'Axial, coronal, sagittal and 3D together (4)',
  story: "The tutorial's four steps on the current slice (5)",
  '3d': 'Surfaces in 3D and the 3D crop (6)',
};

/** The centre column's views. */
export function CentreTabs() {
  const tab = useAppStore((s) => s.centreTab);
  const setTab = useAppStore((s) => s.setCentreTab);
  return (
    <div className="tool-group centre-tabs" role="tablist" aria-label="Views">
      {CENTRE_TABS.map((t) => (
        <button
          key={t}
          type="button"
          role="tab"
          aria-selected={tab === t}
          className={`button tab${tab === t ? ' active' : ''}`}
          data-testid={`tab-${t}`}
          title={TAB_TITLES[t]}
          onClick={() => setTab(t)}
        >
          {TAB_LABELS[t]}
        </button>
      ))}
    </div>
  );
}
