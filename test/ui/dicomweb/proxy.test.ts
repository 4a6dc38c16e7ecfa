import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, dicomWebProxy } from '../../../vite.config';
import { pacsErrorText } from '../../../src/ui/dicomweb/pacsActions';

describe('the /dicomweb same-origin proxy of npm start', () => {
  it('forwards /dicomweb/* to the configured root, and nothing without it', () => {
    expect(dicomWebProxy(undefined)).toEqual({});
    const p = dicomWebProxy('http://pacs:8042/dicom-web/')['/dicomweb'];
    expect(p.target).toBe('http://pacs:8042/dicom-web');
    expect(p.changeOrigin).toBe(true);
    expect(p.rewrite('/dicomweb/studies/1.2/series?Modality=CT')).toBe('/studies/1.2/series?Modality=CT');
    expect(() => dicomWebProxy('pacs:8042')).toThrow(/must be an http\(s\) URL/);
  });

  it('keeps the page on its own origin (connect-src self)', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("connect-src 'self'");
  });

  it('says how to configure a server when the page itself answered /dicomweb', () => {
    expect(pacsErrorText(new Error("searching series: the server's answer is not DICOM JSON"))).toMatch(/LUNGVIEW_DICOMWEB=/);
    expect(pacsErrorText(new Error('searching series: the server answered 400 Bad Request: bad date'))).toBe('searching series: the server answered 400 Bad Request: bad date');
  });
});
