/**
 * The application's per-series settings, remembered in the browser's
 * localStorage (seriesSettings.ts); nothing is remembered where it is absent.
 */
import { attachSeriesSettings } from './seriesSettings';
import { appStore } from './store';

if (typeof localStorage !== 'undefined') attachSeriesSettings(appStore, localStorage);
