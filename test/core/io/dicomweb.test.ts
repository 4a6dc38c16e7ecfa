import { describe, expect, it } from 'vitest';
import { DicomWebClient, dicomDateRange, parseSeriesUrl, type FetchInitLike, type FetchResponseLike } from '../../../src/core/io/dicomweb';
import { writeDicomPart10 } from '../../../src/core/io/dicomWriter';
import { asciiBytes, writeMultipart } from '../../../src/core/io/multipart';

interface Call { url: string; init?: FetchInitLike }

function response(status: number, body: Uint8Array | string, contentType: string, chunkBytes = 1 << 20): FetchResponseLike {
  const bytes = typeof body === 'string' ? asciiBytes(body) : body;
  let at = 0;
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: status === 404 ? 'Not Found' : 'OK',
    headers: { get: (n: string) => (n.toLowerCase() === 'content-type' ? contentType : null) },
    body: {
      getReader: () => ({
        read: async () => {
          if (at >= bytes.length) return { done: true };
          const value = bytes.slice(at, at + chunkBytes);
          at += chunkBytes;
          return { done: false, value };
        },
        cancel: async () => undefined,
      }),
    },
    text: async () => String.fromCharCode(...bytes),
  };
}

function fakeServer(handler: (url: string, init?: FetchInitLike) => FetchResponseLike) {
  const calls: Call[] = [];
  const fetchFn = async (url: string, init?: FetchInitLike) => {
    calls.push({ url, init });
    return handler(url, init);
  };
  return { calls, client: new DicomWebClient('http://pacs:8042/dicom-web/', fetchFn) };
}

// Recorded from Orthanc 1.10.1 with its DICOMweb plugin 1.7 (trimmed).
const STUDIES = `[{"00080020":{"Value":["20070404"],"vr":"DA"},"00080030":{"Value":["185824"],"vr":"TM"},"00080050":{"vr":"SH"},
"00080061":{"Value":["CT","SEG"],"vr":"CS"},"00100010":{"Value":[{"Alphabetic":"Lung_Dx-A0001"}],"vr":"PN"},
"00100020":{"Value":["Lung_Dx-A0001"],"vr":"LO"},"0020000D":{"Value":["1.2.3"],"vr":"UI"},"00201206":{"Value":[1],"vr":"IS"},"00201208":{"Value":[64],"vr":"IS"}},
{"00080020":{"Value":["20210101"],"vr":"DA"},"0020000D":{"Value":["1.2.4"],"vr":"UI"},"00081030":{"Value":["CHEST"],"vr":"LO"}}]`;
const SERIES = `[{"00080060":{"Value":["CT"],"vr":"CS"},"0008103E":{"Value":["5mm"],"vr":"LO"},"0020000D":{"Value":["1.2.3"],"vr":"UI"},
"0020000E":{"Value":["1.2.3.9"],"vr":"UI"},"00200011":{"Value":[2],"vr":"IS"},"00201209":{"Value":[64],"vr":"IS"}},
{"00080060":{"Value":["SEG"],"vr":"CS"},"0020000D":{"Value":["1.2.3"],"vr":"UI"},"0020000E":{"Value":["1.2.3.8"],"vr":"UI"},"00200011":{"Value":["1"],"vr":"IS"}}]`;

describe('DICOMweb helpers', () => {
  it('splits a series URL into root and UIDs and refuses other URLs', () => {
    expect(parseSeriesUrl('http://h:8042/dicom-web/studies/1.2.3/series/4.5.6')).toEqual({ root: 'http://h:8042/dicom-web', studyUid: '1.2.3', seriesUid: '4.5.6' });
    expect(parseSeriesUrl('https://h/studies/1.2/series/3/')).toEqual({ root: 'https://h', studyUid: '1.2', seriesUid: '3' });
    expect(parseSeriesUrl('http://h:8042/dicom-web/studies/1.2.3')).toBeNull();
    expect(parseSeriesUrl('http://h/studies/1.2.3/series/4.5.6/instances/7')).toBeNull();
  });

  it('turns dates and ranges into DICOM range matchers', () => {
    expect(dicomDateRange('2020-03-04')).toBe('20200304');
    expect(dicomDateRange('20200101-20201231')).toBe('20200101-20201231');
    expect(dicomDateRange('2020-01-01..2020-12-31')).toBe('20200101-20201231');
    expect(dicomDateRange('2020-01-01 -')).toBe('20200101-');
    expect(dicomDateRange('-20201231')).toBe('-20201231');
    expect(() => dicomDateRange('yesterday')).toThrow(/not a date/);
  });
});

describe('DicomWebClient QIDO-RS', () => {
  it('sends the search as QIDO matching keys and maps the answer to studies, newest first', async () => {
    const { calls, client } = fakeServer(() => response(200, STUDIES, 'application/dicom+json'));
    const studies = await client.searchStudies({ date: '2007-01-01..2021-12-31', modality: 'ct', description: 'chest' });
    const url = new URL(calls[0].url);
    expect(url.origin + url.pathname).toBe('http://pacs:8042/dicom-web/studies');
    expect(url.searchParams.get('StudyDate')).toBe('20070101-20211231');
    expect(url.searchParams.get('ModalitiesInStudy')).toBe('CT');
    expect(url.searchParams.get('StudyDescription')).toBe('*chest*');
    expect(calls[0].init?.headers?.Accept).toBe('application/dicom+json');
    expect(studies.map((s) => s.studyUid)).toEqual(['1.2.4', '1.2.3']);
    expect(studies[1]).toEqual({
      studyUid: '1.2.3', date: '20070404', time: '185824', description: '', patientName: 'Lung_Dx-A0001', patientId: 'Lung_Dx-A0001',
      accessionNumber: '', modalities: ['CT', 'SEG'], seriesCount: 1, instanceCount: 64,
    });
  });

  it('lists a study\'s series by number, with Modality and SeriesDescription matching', async () => {
    const { calls, client } = fakeServer(() => response(200, SERIES, 'application/dicom+json'));
    const series = await client.searchSeries('1.2.3', { modality: 'CT', description: '5mm' });
    const url = new URL(calls[0].url);
    expect(url.pathname).toBe('/dicom-web/studies/1.2.3/series');
    expect(url.searchParams.get('Modality')).toBe('CT');
    expect(url.searchParams.get('SeriesDescription')).toBe('*5mm*');
    expect(series.map((s) => [s.seriesUid, s.modality, s.seriesNumber, s.instanceCount])).toEqual([['1.2.3.8', 'SEG', 1, null], ['1.2.3.9', 'CT', 2, 64]]);
  });

  it('reads an empty answer (204 or empty list) as no results', async () => {
    expect(await fakeServer(() => response(204, '', 'application/dicom+json')).client.searchStudies()).toEqual([]);
    expect(await fakeServer(() => response(200, '[]', 'application/dicom+json')).client.searchSeries()).toEqual([]);
  });

  it('says when the server does not answer, and what it answered on an error', async () => {
    const down = new DicomWebClient('http://127.0.0.1:9', async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    });
    await expect(down.searchStudies()).rejects.toThrow('the DICOMweb server at http://127.0.0.1:9 does not answer (searching studies): fetch failed (ECONNREFUSED)');
    const { client } = fakeServer(() => response(400, '{"Details":"bad date"}', 'application/json'));
    await expect(client.searchStudies()).rejects.toThrow('searching studies: the server answered 400 OK: bad date');
    await expect(fakeServer(() => response(200, '<html>', 'text/html')).client.searchStudies()).rejects.toThrow(/not DICOM JSON/);
  });
});

function instance(sop: string, study = '1.2.3', pixels = 2000): Uint8Array {
  const px = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) px[i] = (i * 45) & 255; // '-' and CR LF bytes inside
  return writeDicomPart10({
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: sop,
    elements: [{ tag: 0x00080018, vr: 'UI', value: sop }, { tag: 0x0020000d, vr: 'UI', value: study }, { tag: 0x7fe00010, vr: 'OB', value: px }],
  });
}

describe('DicomWebClient WADO-RS', () => {
  const files = [instance('1.2.3.9.1'), instance('1.2.3.9.2'), instance('1.2.3.9.3')];
  const boundary = 'orthanc-like-0123';
  const body = writeMultipart(files.map((b) => ({ contentType: 'application/dicom', body: b })), boundary);

  it('hands over every instance as it arrives, in small network chunks', async () => {
    const { calls, client } = fakeServer(() => response(200, body, `multipart/related; type="application/dicom"; boundary="${boundary}"`, 777));
    const got: Uint8Array[] = [];
    const seenAtProgress: number[] = [];
    const p = await client.retrieveSeries({ studyUid: '1.2.3', seriesUid: '1.2.3.9' }, (b, i) => {
      expect(i).toBe(got.length);
      got.push(b);
    }, { onProgress: (pr) => seenAtProgress.push(pr.instances) });
    expect(calls[0].url).toBe('http://pacs:8042/dicom-web/studies/1.2.3/series/1.2.3.9');
    expect(calls[0].init?.headers?.Accept).toBe('multipart/related; type="application/dicom"; transfer-syntax=*');
    expect(got).toEqual(files);
    expect(p).toEqual({ instances: 3, bytes: body.length });
    // Instances were handed over before the whole body had arrived.
    expect(seenAtProgress.indexOf(1)).toBeLessThan(seenAtProgress.length - 1);
  });

  it('refuses a non-multipart answer, a 404 and a body cut short', async () => {
    const ref = { studyUid: '1.2.3', seriesUid: '9.9' };
    await expect(fakeServer(() => response(200, '[]', 'application/dicom+json')).client.retrieveSeries(ref, () => undefined))
      .rejects.toThrow('retrieving series 9.9: the server answered application/dicom+json, not multipart/related');
    await expect(fakeServer(() => response(404, '{"Details":"Accessing an inexistent series with WADO-RS: 9.9"}', 'application/json')).client.retrieveSeries(ref, () => undefined))
      .rejects.toThrow('retrieving series 9.9: the server answered 404 Not Found: Accessing an inexistent series with WADO-RS: 9.9');
    const cut = body.subarray(0, body.length - files[2].length);
    const got: number[] = [];
    await expect(fakeServer(() => response(200, cut, `multipart/related; boundary=${boundary}`)).client.retrieveSeries(ref, (_, i) => void got.push(i)))
      .rejects.toThrow(/no closing boundary\) after 2 instance/);
    expect(got).toEqual([0, 1]);
  });

  it('stops when cancelled', async () => {
    let n = 0;
    const { client } = fakeServer(() => response(200, body, `multipart/related; boundary=${boundary}`, 500));
    await expect(client.retrieveSeries({ studyUid: '1', seriesUid: '2' }, () => undefined, { cancelled: () => ++n > 3 })).rejects.toThrow('cancelled');
  });
});

describe('DicomWebClient STOW-RS', () => {
  const seg = instance('2.25.77', '1.2.3', 100);
  const stored = (sop: string) => `{"00081190":{"Value":["http://pacs/dicom-web/studies/1.2.3"],"vr":"UR"},"00081198":{"vr":"SQ"},
    "00081199":{"Value":[{"00081150":{"Value":["1.2.840.10008.5.1.4.1.1.66.4"],"vr":"UI"},"00081155":{"Value":["${sop}"],"vr":"UI"},
    "00081190":{"Value":["http://pacs/dicom-web/studies/1.2.3/series/5/instances/${sop}"],"vr":"UR"}}],"vr":"SQ"}}`;

  it('posts one multipart/related body to the study and returns what the server stored', async () => {
    const { calls, client } = fakeServer(() => response(200, stored('2.25.77'), 'application/dicom+json'));
    const r = await client.store([seg]);
    expect(calls[0].url).toBe('http://pacs:8042/dicom-web/studies/1.2.3');
    expect(calls[0].init?.method).toBe('POST');
    const ct = calls[0].init?.headers?.['Content-Type'] ?? '';
    expect(ct).toMatch(/^multipart\/related; type="application\/dicom"; boundary=lungview-[0-9a-f]{32}$/);
    const boundary = ct.split('boundary=')[1];
    const { MultipartParser } = await import('../../../src/core/io/multipart');
    const parts: Uint8Array[] = [];
    const p = new MultipartParser(boundary, (part) => parts.push(part.body));
    p.push(calls[0].init!.body!);
    p.end();
    expect(parts).toEqual([seg]);
    expect(r.stored.map((s) => s.sopInstanceUid)).toEqual(['2.25.77']);
    expect(r.stored[0].retrieveUrl).toContain('/instances/2.25.77');
    expect(r.studyUrl).toBe('http://pacs/dicom-web/studies/1.2.3');
    expect(r.warnings).toEqual([]);
  });

  it('fails when the server lists the instance as failed, leaves it out, or answers an error', async () => {
    const failed = `{"00081198":{"Value":[{"00081155":{"Value":["2.25.77"],"vr":"UI"},"00081197":{"Value":[49442],"vr":"US"}}],"vr":"SQ"}}`;
    await expect(fakeServer(() => response(409, failed, 'application/dicom+json')).client.store([seg])).rejects.toThrow(/409/);
    await expect(fakeServer(() => response(200, failed, 'application/dicom+json')).client.store([seg]))
      .rejects.toThrow('storing: the server refused 1 instance(s): 2.25.77 (failure reason 49442)');
    await expect(fakeServer(() => response(200, stored('2.25.78'), 'application/dicom+json')).client.store([seg]))
      .rejects.toThrow("storing: the server's answer does not list 2.25.77 as stored");
    await expect(fakeServer(() => response(200, '', 'text/plain')).client.store([seg])).rejects.toThrow(/without a DICOM JSON store response/);
  });
});
