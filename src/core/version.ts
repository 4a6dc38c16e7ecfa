/** lungview's version, written into reports and exported files (test/core/version.test.ts keeps it equal to package.json's). */
export const LUNGVIEW_VERSION = '0.4.0';
