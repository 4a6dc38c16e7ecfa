/**
 * A DICOMweb client (PS3.18): QIDO-RS search of studies and series, WADO-RS
 * retrieve of a series' instances, STOW-RS store of DICOM files. Pure: it
 * is given a `fetch`-like function (the browser's, Node's, or a test's) and
 * a root URL (e.g. http://host:8042/dicom-web or the page's /dicomweb proxy).
 *
 * QIDO answers (application/dicom+json) become a small typed model
 * (DicomWebStudy, DicomWebSeries). WADO-RS asks for
 * multipart/related; type="application/dicom" in any transfer syntax and
 * parses the body as it streams in (multipart.ts), handing over each
 * instance's Part-10 bytes as soon as it has arrived, so the caller ingests
 * them as it would the files of a dropped folder. STOW-RS posts one
 * multipart/related body and checks the server's answer: every instance
 * sent must be in its ReferencedSOPSequence and none in FailedSOPSequence.
 *
 * Cost: search O(results); retrieve O(bytes) with one instance (plus one
 * network chunk) held at a time; store O(bytes) (the body is built whole).
 */
import { detectLayout, parseDataSet } from '../dicom/layout';
import { str } from '../dicom/elements';
import { boundaryOf, contentTypeParam, mediaTypeOf, MultipartParser, writeMultipart, type MultipartPart } from './multipart';

/** What the client needs of a fetch Response (the browser's and Node's fit). */
export interface FetchResponseLike {
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  body: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(reason?: unknown): Promise<void> } } | null;
  text(): Promise<string>;
}

export interface FetchInitLike {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array<ArrayBuffer>;
}

export type FetchLike = (url: string, init?: FetchInitLike) => Promise<FetchResponseLike>;

export interface DicomWebStudy {
  studyUid: string;
  /** YYYYMMDD as the server gave it ('' when missing). */
  date: string;
  time: string;
  description: string;
  patientName: string;
  patientId: string;
  accessionNumber: string;
  modalities: string[];
  seriesCount: number | null;
  instanceCount: number | null;
}

export interface DicomWebSeries {
  studyUid: string;
  seriesUid: string;
  modality: string;
  description: string;
  seriesNumber: number | null;
  instanceCount: number | null;
  /** StudyDate (YYYYMMDD) when the server gives it. */
  studyDate: string;
  studyDescription: string;
}

export interface DicomWebSearch {
  /** A date (YYYYMMDD or YYYY-MM-DD) or a range: "A-B", "A..B", "A-" (from), "-B" (until). */
  date?: string;
  /** CT, MR, SEG, ... (ModalitiesInStudy for studies, Modality for series). */
  modality?: string;
  /** Part of the description (any case the server matches); sent as *text*. */
  description?: string;
  limit?: number;
  offset?: number;
}

/** A series URL split into its DICOMweb root and UIDs. */
export interface DicomWebSeriesRef {
  root: string;
  studyUid: string;
  seriesUid: string;
}

const UID = '[0-9]+(?:\\.[0-9]+)*';
const SERIES_URL = new RegExp(`^(https?://[^?#]*?)/studies/(${UID})/series/(${UID})/?$`);

/** True for http(s) URLs (what the CLI takes for a DICOMweb location rather than a folder). */
export function isHttpUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** Parses .../studies/<uid>/series/<uid>; null when the URL is not a series URL. */
export function parseSeriesUrl(url: string): DicomWebSeriesRef | null {
  const m = SERIES_URL.exec(url.trim());
  return m ? { root: m[1], studyUid: m[2], seriesUid: m[3] } : null;
}

export function seriesUrl(ref: DicomWebSeriesRef): string {
  return `${ref.root}/studies/${ref.studyUid}/series/${ref.seriesUid}`;
}

/** A date or date range as a DICOM DA range matcher ("YYYYMMDD", "A-B", "A-", "-B"); throws on anything else. */
export function dicomDateRange(input: string): string {
  const s = input.trim();
  const d = '(\\d{4})-?(\\d{2})-?(\\d{2})';
  const sep = '\\s*(?:-|\\.\\.|to|–)\\s*';
  const one = new RegExp(`^${d}$`).exec(s);
  if (one) return `${one[1]}${one[2]}${one[3]}`;
  const range = new RegExp(`^(?:${d})?${sep}(?:${d})?$`).exec(s);
  if (range && (range[1] || range[4])) {
    const a = range[1] ? `${range[1]}${range[2]}${range[3]}` : '';
    const b = range[4] ? `${range[4]}${range[5]}${range[6]}` : '';
    return `${a}-${b}`;
  }
  throw new Error(`not a date or date range: '${input}' (give YYYYMMDD, YYYY-MM-DD or a range like 20200101-20201231)`);
}

// --- DICOM JSON (PS3.18 F.2) ---

type DicomJson = Record<string, { vr?: string; Value?: unknown[] } | undefined>;

function jsonString(ds: DicomJson, tag: string): string {
  const v = ds[tag]?.Value?.[0];
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return String((v as { Alphabetic?: string }).Alphabetic ?? '');
  return String(v);
}

function jsonStrings(ds: DicomJson, tag: string): string[] {
  return (ds[tag]?.Value ?? []).filter((v) => v !== null && v !== undefined).map((v) => String(v));
}

function jsonNumber(ds: DicomJson, tag: string): number | null {
  const v = ds[tag]?.Value?.[0];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

function jsonItems(ds: DicomJson, tag: string): DicomJson[] {
  return (ds[tag]?.Value ?? []).filter((v): v is DicomJson => typeof v === 'object' && v !== null);
}

export function studyOfJson(ds: DicomJson): DicomWebStudy {
  return {
    studyUid: jsonString(ds, '0020000D'),
    date: jsonString(ds, '00080020'),
    time: jsonString(ds, '00080030'),
    description: jsonString(ds, '00081030'),
    patientName: jsonString(ds, '00100010'),
    patientId: jsonString(ds, '00100020'),
    accessionNumber: jsonString(ds, '00080050'),
    modalities: jsonStrings(ds, '00080061'),
    seriesCount: jsonNumber(ds, '00201206'),
    instanceCount: jsonNumber(ds, '00201208'),
  };
}

export function seriesOfJson(ds: DicomJson, studyUid = ''): DicomWebSeries {
  return {
    studyUid: jsonString(ds, '0020000D') || studyUid,
    seriesUid: jsonString(ds, '0020000E'),
    modality: jsonString(ds, '00080060'),
    description: jsonString(ds, '0008103E'),
    seriesNumber: jsonNumber(ds, '00200011'),
    instanceCount: jsonNumber(ds, '00201209'),
    studyDate: jsonString(ds, '00080020'),
    studyDescription: jsonString(ds, '00081030'),
  };
}

// --- STOW-RS answer ---

export interface StowInstance {
  sopClassUid: string;
  sopInstanceUid: string;
  /** Where the server says the stored instance can be retrieved ('' when it does not say). */
  retrieveUrl: string;
  /** Failure reason code (failed instances only). */
  failureReason?: number;
}

export interface StowResult {
  status: number;
  stored: StowInstance[];
  /** The study's retrieve URL on the server, when given. */
  studyUrl: string;
  /** Warnings the server gave (HTTP 202, WarningReason on an instance). */
  warnings: string[];
}

function stowInstances(ds: DicomJson, tag: string): StowInstance[] {
  return jsonItems(ds, tag).map((it) => {
    const reason = jsonNumber(it, '00081197');
    return {
      sopClassUid: jsonString(it, '00081150'),
      sopInstanceUid: jsonString(it, '00081155'),
      retrieveUrl: jsonString(it, '00081190'),
      ...(reason === null ? {} : { failureReason: reason }),
    };
  });
}

/** The UIDs STOW needs of a Part-10 file: its SOP instance and study. */
export function instanceUidsOf(bytes: Uint8Array): { sopInstanceUid: string; studyUid: string } {
  const ds = parseDataSet(detectLayout(bytes), true);
  const sopInstanceUid = str(ds, 'x00080018');
  if (!sopInstanceUid) throw new Error('the file to store has no SOPInstanceUID');
  return { sopInstanceUid, studyUid: str(ds, 'x0020000d') };
}

// --- the client ---

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message;
    return why && !e.message.includes(why) ? `${e.message} (${why})` : e.message;
  }
  return String(e);
}

/** The short reason of an error body (Orthanc's Details / Message, or the start of the text). */
async function errorBody(r: FetchResponseLike): Promise<string> {
  const text = await r.text().catch(() => '');
  try {
    const j = JSON.parse(text) as { Details?: string; Message?: string; message?: string };
    const msg = j.Details ?? j.Message ?? j.message;
    if (msg) return `: ${msg}`;
  } catch {
    // not JSON
  }
  const t = text.trim().replace(/\s+/g, ' ').slice(0, 200);
  return t ? `: ${t}` : '';
}

export interface RetrieveProgress {
  instances: number;
  bytes: number;
}

export interface RetrieveOptions {
  /** Called after each network chunk with the instances handed over and the bytes received so far. */
  onProgress?: (p: RetrieveProgress) => void;
  /** Checked between chunks; when true the transfer is cancelled and retrieveSeries throws 'cancelled'. */
  cancelled?: () => boolean;
}

export class DicomWebClient {
  /** The root without a trailing slash. */
  readonly root: string;

  constructor(root: string, private readonly fetchFn: FetchLike) {
    this.root = root.replace(/\/+$/, '');
  }

  private async request(url: string, init: FetchInitLike, what: string): Promise<FetchResponseLike> {
    let r: FetchResponseLike;
    try {
      r = await this.fetchFn(url, init);
    } catch (e) {
      throw new Error(`the DICOMweb server at ${this.root} does not answer (${what}): ${errorText(e)}`);
    }
    if (!r.ok) {
      const why = await errorBody(r);
      throw new Error(`${what}: the server answered ${r.status} ${r.statusText}${why}`.trim());
    }
    return r;
  }

  private async qido(path: string, params: [string, string][], what: string): Promise<DicomJson[]> {
    const q = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    const r = await this.request(`${this.root}${path}${q ? `?${q}` : ''}`, { headers: { Accept: 'application/dicom+json' } }, what);
    if (r.status === 204) return [];
    const text = await r.text();
    if (text.trim() === '') return [];
    let j: unknown;
    try {
      j = JSON.parse(text);
    } catch {
      throw new Error(`${what}: the server's answer is not DICOM JSON`);
    }
    if (!Array.isArray(j)) throw new Error(`${what}: the server's answer is not a list of DICOM JSON objects`);
    return j as DicomJson[];
  }

  private static searchParams(q: DicomWebSearch, modalityKey: string, descriptionKey: string): [string, string][] {
    const p: [string, string][] = [];
    if (q.date?.trim()) p.push(['StudyDate', dicomDateRange(q.date)]);
    if (q.modality?.trim()) p.push([modalityKey, q.modality.trim().toUpperCase()]);
    if (q.description?.trim()) p.push([descriptionKey, `*${q.description.trim()}*`]);
    if (q.limit !== undefined) p.push(['limit', String(q.limit)]);
    if (q.offset !== undefined) p.push(['offset', String(q.offset)]);
    return p;
  }

  /** QIDO-RS /studies, newest first. */
  async searchStudies(q: DicomWebSearch = {}): Promise<DicomWebStudy[]> {
    const params = DicomWebClient.searchParams(q, 'ModalitiesInStudy', 'StudyDescription');
    for (const f of ['00081030', '00080061', '00201206', '00201208']) params.push(['includefield', f]);
    const list = (await this.qido('/studies', params, 'searching studies')).map(studyOfJson);
    return list.sort((a, b) => (b.date + b.time).localeCompare(a.date + a.time));
  }

  /** QIDO-RS series of one study (or of every study when studyUid is omitted), by series number. */
  async searchSeries(studyUid?: string, q: DicomWebSearch = {}): Promise<DicomWebSeries[]> {
    const params = DicomWebClient.searchParams(q, 'Modality', 'SeriesDescription');
    for (const f of ['0008103E', '00200011', '00201209', '00080020', '00081030']) params.push(['includefield', f]);
    const path = studyUid ? `/studies/${encodeURIComponent(studyUid)}/series` : '/series';
    const list = (await this.qido(path, params, 'searching series')).map((ds) => seriesOfJson(ds, studyUid));
    return list.sort((a, b) => a.studyUid.localeCompare(b.studyUid) || (a.seriesNumber ?? 0) - (b.seriesNumber ?? 0));
  }

  /**
   * WADO-RS: every instance of a series, each handed to onInstance (its
   * Part-10 bytes, its index in the answer) as soon as it has arrived; the
   * next chunk is read only once onInstance has finished. Returns the count.
   */
  async retrieveSeries(
    ref: { studyUid: string; seriesUid: string },
    onInstance: (bytes: Uint8Array, index: number) => void | Promise<void>,
    options: RetrieveOptions = {},
  ): Promise<RetrieveProgress> {
    const url = `${this.root}/studies/${encodeURIComponent(ref.studyUid)}/series/${encodeURIComponent(ref.seriesUid)}`;
    const what = `retrieving series ${ref.seriesUid}`;
    const r = await this.request(url, { headers: { Accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' } }, what);
    const contentType = r.headers.get('content-type') ?? '';
    if (mediaTypeOf(contentType) !== 'multipart/related') {
      throw new Error(`${what}: the server answered ${contentType || 'no Content-Type'}, not multipart/related`);
    }
    const type = contentTypeParam(contentType, 'type');
    if (type && mediaTypeOf(type) !== 'application/dicom') throw new Error(`${what}: the server sent ${type}, not application/dicom`);
    const boundary = boundaryOf(contentType);
    if (!boundary) throw new Error(`${what}: the answer's Content-Type has no boundary`);
    if (!r.body) throw new Error(`${what}: the answer has no body`);
    const ready: MultipartPart[] = [];
    const parser = new MultipartParser(boundary, (p) => ready.push(p));
    const progress: RetrieveProgress = { instances: 0, bytes: 0 };
    const reader = r.body.getReader();
    for (;;) {
      if (options.cancelled?.()) {
        await reader.cancel('cancelled').catch(() => undefined);
        throw new Error('cancelled');
      }
      let chunk: { done: boolean; value?: Uint8Array };
      try {
        chunk = await reader.read();
      } catch (e) {
        throw new Error(`${what}: the transfer broke off after ${progress.instances} instance(s): ${errorText(e)}`);
      }
      if (chunk.done) break;
      if (!chunk.value) continue;
      progress.bytes += chunk.value.length;
      parser.push(chunk.value);
      for (const part of ready.splice(0)) {
        const partType = part.headers['content-type'];
        if (partType && mediaTypeOf(partType) !== 'application/dicom') {
          throw new Error(`${what}: part ${progress.instances + 1} is ${partType}, not application/dicom`);
        }
        await onInstance(part.body, progress.instances++);
      }
      options.onProgress?.(progress);
    }
    try {
      parser.end();
    } catch (e) {
      throw new Error(`${what}: ${errorText(e)} after ${progress.instances} instance(s)`);
    }
    return progress;
  }

  /**
   * STOW-RS: stores Part-10 files (into their study when all share one).
   * Throws unless the server stored every one of them.
   */
  async store(files: Uint8Array[]): Promise<StowResult> {
    if (files.length === 0) throw new Error('nothing to store');
    const uids = files.map(instanceUidsOf);
    const studies = [...new Set(uids.map((u) => u.studyUid))];
    const boundary = `lungview-${Array.from({ length: 4 }, () => Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, '0')).join('')}`;
    const body = writeMultipart(files.map((b) => ({ contentType: 'application/dicom', body: b })), boundary);
    const path = studies.length === 1 && studies[0] ? `/studies/${encodeURIComponent(studies[0])}` : '/studies';
    const what = 'storing';
    const r = await this.request(`${this.root}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
        Accept: 'application/dicom+json',
      },
      body,
    }, what);
    const text = await r.text();
    let ds: DicomJson;
    try {
      const j = JSON.parse(text) as unknown;
      ds = (Array.isArray(j) ? j[0] : j) as DicomJson;
      if (typeof ds !== 'object' || ds === null) throw new Error('empty');
    } catch {
      throw new Error(`${what}: the server answered ${r.status} without a DICOM JSON store response`);
    }
    const stored = stowInstances(ds, '00081199');
    const failed = stowInstances(ds, '00081198');
    if (failed.length) {
      throw new Error(`${what}: the server refused ${failed.length} instance(s): ${failed.map((f) => `${f.sopInstanceUid || '?'} (failure reason ${f.failureReason ?? '?'})`).join(', ')}`);
    }
    const missing = uids.filter((u) => !stored.some((s) => s.sopInstanceUid === u.sopInstanceUid));
    if (missing.length) {
      throw new Error(`${what}: the server's answer does not list ${missing.map((m) => m.sopInstanceUid).join(', ')} as stored`);
    }
    const warnings: string[] = [];
    if (r.status === 202) warnings.push('the server accepted the instances with warnings (HTTP 202)');
    for (const it of jsonItems(ds, '00081199')) {
      const w = jsonNumber(it, '00081196');
      if (w !== null) warnings.push(`${jsonString(it, '00081155')}: warning reason ${w}`);
    }
    return { status: r.status, stored, studyUrl: jsonString(ds, '00081190'), warnings };
  }
}
