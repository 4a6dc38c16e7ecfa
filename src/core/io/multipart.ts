/**
 * multipart/related bodies (RFC 2046 5.1, RFC 2387) as DICOMweb sends and
 * takes them: a streaming parser that hands over each part (its headers and
 * its bytes) as soon as the delimiter after it has arrived, and a writer for
 * a request body.
 *
 * Parser variant: Boyer-Moore-Horspool search for "--boundary" over one
 * growing buffer (bytes already handed over are dropped by moving the rest
 * to the front); the CRLF (or bare LF) before a delimiter belongs to the
 * delimiter; a preamble before the first delimiter and an epilogue after
 * the closing "--boundary--" are ignored; header lines end in CRLF or LF.
 * A chunk may end anywhere, also inside a delimiter or a header.
 * Reference: RFC 2046 section 5.1.1 (the delimiter grammar).
 *
 * Cost: O(bytes) time on average (the search skips by the delimiter's
 * length); memory one part plus one chunk (each part is copied out once).
 */

export interface MultipartPart {
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** The boundary parameter of a Content-Type (quoted or not), or null. */
export function boundaryOf(contentType: string): string | null {
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

/** The media type of a Content-Type (lower case, without parameters). */
export function mediaTypeOf(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

/** A parameter of a Content-Type (quoted or not), or null. */
export function contentTypeParam(contentType: string, name: string): string | null {
  const re = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i');
  const m = re.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

export function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7e) throw new Error(`not ASCII: ${JSON.stringify(s)}`);
    out[i] = c;
  }
  return out;
}

function asciiText(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]);
  return s;
}

const CR = 13;
const LF = 10;

type State = 'preamble' | 'afterDelimiter' | 'headers' | 'body' | 'done';

/**
 * Push chunks in, get parts out (through onPart, in order). `end()` checks
 * that the closing delimiter came.
 */
export class MultipartParser {
  private readonly delim: Uint8Array;
  private readonly skip = new Int32Array(256);
  private buf = new Uint8Array(64 * 1024);
  private len = 0;
  /** Where the current part's content (headers then body) starts in buf. */
  private start = 0;
  /** Where the search for the next delimiter resumes. */
  private scan = 0;
  private state: State = 'preamble';
  private headers: Record<string, string> = {};
  /** Parts handed over so far. */
  parts = 0;

  constructor(boundary: string, private readonly onPart: (part: MultipartPart) => void) {
    if (!boundary) throw new Error('multipart: empty boundary');
    this.delim = asciiBytes(`--${boundary}`);
    const n = this.delim.length;
    this.skip.fill(n);
    for (let i = 0; i < n - 1; i++) this.skip[this.delim[i]] = n - 1 - i;
  }

  push(chunk: Uint8Array): void {
    if (this.state === 'done' || chunk.length === 0) return;
    if (this.len + chunk.length > this.buf.length) {
      // Drop what was handed over, then grow if still needed.
      if (this.start > 0) {
        this.buf.copyWithin(0, this.start, this.len);
        this.len -= this.start;
        this.scan -= this.start;
        this.start = 0;
      }
      if (this.len + chunk.length > this.buf.length) {
        const grown = new Uint8Array(Math.max(this.len + chunk.length, 2 * this.buf.length));
        grown.set(this.buf.subarray(0, this.len));
        this.buf = grown;
      }
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
    this.run();
  }

  /** The body has ended: throws when the closing delimiter is missing. */
  end(): void {
    if (this.state !== 'done') {
      throw new Error(this.parts === 0 && this.state === 'preamble'
        ? 'multipart: no part in the body (the boundary never occurs)'
        : `multipart: the body ended inside part ${this.parts + 1} (no closing boundary)`);
    }
  }

  /** Index of the next delimiter at or after `from`, or -1. */
  private find(from: number): number {
    const d = this.delim;
    const n = d.length;
    const b = this.buf;
    let i = from;
    while (i + n <= this.len) {
      let j = n - 1;
      while (j >= 0 && b[i + j] === d[j]) j--;
      if (j < 0) return i;
      i += this.skip[b[i + n - 1]];
    }
    return -1;
  }

  private run(): void {
    for (;;) {
      if (this.state === 'preamble' || this.state === 'body') {
        const at = this.find(this.scan);
        if (at < 0) {
          // Keep the last n-1 bytes: a delimiter may straddle the next chunk.
          this.scan = Math.max(this.start, this.len - this.delim.length + 1);
          if (this.state === 'preamble') this.start = this.scan;
          return;
        }
        if (this.state === 'body') {
          let end = at;
          if (end > this.start && this.buf[end - 1] === LF) end--;
          if (end > this.start && this.buf[end - 1] === CR) end--;
          this.parts++;
          this.onPart({ headers: this.headers, body: this.buf.slice(this.start, end) });
          this.headers = {};
        }
        this.start = at + this.delim.length;
        this.scan = this.start;
        this.state = 'afterDelimiter';
      }
      if (this.state === 'afterDelimiter') {
        // "--" closes the body; else transport padding then CRLF (or LF).
        if (this.len - this.start < 2) return;
        if (this.buf[this.start] === 0x2d && this.buf[this.start + 1] === 0x2d) {
          this.state = 'done';
          return;
        }
        let i = this.start;
        while (i < this.len && this.buf[i] !== LF) i++;
        if (i === this.len) return;
        this.start = i + 1;
        this.scan = this.start;
        this.state = 'headers';
      }
      if (this.state === 'headers') {
        let i = this.start;
        for (;;) {
          let eol = i;
          while (eol < this.len && this.buf[eol] !== LF) eol++;
          if (eol === this.len) return; // wait for the rest of the line
          const lineEnd = eol > i && this.buf[eol - 1] === CR ? eol - 1 : eol;
          if (lineEnd === i) {
            this.start = eol + 1;
            break;
          }
          const line = asciiText(this.buf, i, lineEnd);
          const colon = line.indexOf(':');
          if (colon > 0) this.headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
          i = eol + 1;
          this.start = i;
        }
        this.scan = this.start;
        this.state = 'body';
      }
      if (this.state === 'done') return;
    }
  }
}

/** A multipart/related body of the parts; the boundary must not occur in any part. */
export function writeMultipart(parts: { contentType: string; body: Uint8Array }[], boundary: string): Uint8Array<ArrayBuffer> {
  const chunks: Uint8Array[] = [];
  for (const p of parts) {
    chunks.push(asciiBytes(`--${boundary}\r\nContent-Type: ${p.contentType}\r\nContent-Length: ${p.body.length}\r\n\r\n`), p.body, asciiBytes('\r\n'));
  }
  chunks.push(asciiBytes(`--${boundary}--\r\n`));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
