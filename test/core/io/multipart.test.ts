import { describe, expect, it } from 'vitest';
import { asciiBytes, boundaryOf, MultipartParser, writeMultipart, type MultipartPart } from '../../../src/core/io/multipart';

/** Deterministic bytes that look like pixel data (every value, '-' and CR/LF included). */
function payload(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

function concat(...parts: (Uint8Array | string)[]): Uint8Array {
  const bs = parts.map((p) => (typeof p === 'string' ? asciiBytes(p) : p));
  const out = new Uint8Array(bs.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of bs) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

function parseInChunks(body: Uint8Array, boundary: string, cuts: number[]): MultipartPart[] {
  const parts: MultipartPart[] = [];
  const p = new MultipartParser(boundary, (part) => parts.push(part));
  let at = 0;
  for (const c of [...cuts, body.length]) {
    p.push(body.subarray(at, c));
    at = c;
  }
  p.end();
  return parts;
}

describe('boundaryOf', () => {
  it('reads quoted and bare boundaries, with any parameter order', () => {
    expect(boundaryOf('multipart/related; type="application/dicom"; boundary=abc-123')).toBe('abc-123');
    expect(boundaryOf('multipart/related; boundary="a b:c"; type="application/dicom"')).toBe('a b:c');
    expect(boundaryOf('Multipart/Related;BOUNDARY=xyz')).toBe('xyz');
    expect(boundaryOf('multipart/related; type="application/dicom"')).toBeNull();
  });
});

describe('MultipartParser', () => {
  const a = payload(5000, 1);
  const b = payload(3001, 2);
  const boundary = 'b63d399e-a8ff-451e';

  it('hands over each part with its headers and exact bytes (CRLF, preamble, epilogue, transport padding)', () => {
    const body = concat(
      'This is a preamble.\r\n',
      `--${boundary}  \r\nContent-Type: application/dicom\r\nContent-Length: 5000\r\n\r\n`, a,
      `\r\n--${boundary}\r\ncontent-type: application/dicom\r\n\r\n`, b,
      `\r\n--${boundary}--\r\nepilogue`,
    );
    const parts = parseInChunks(body, boundary, []);
    expect(parts.length).toBe(2);
    expect(parts[0].headers['content-type']).toBe('application/dicom');
    expect(parts[0].headers['content-length']).toBe('5000');
    expect(parts[0].body).toEqual(a);
    expect(parts[1].body).toEqual(b);
  });

  it('gives the same parts whatever the chunking, also with chunks split inside a boundary or a header', () => {
    const body = writeMultipart([{ contentType: 'application/dicom', body: a }, { contentType: 'application/dicom', body: b }], boundary);
    const whole = parseInChunks(body, boundary, []);
    const secondDelim = 5000 + 100; // near the second delimiter
    const cutsList = [
      Array.from({ length: body.length - 1 }, (_, i) => i + 1), // one byte at a time
      [3, 10, 40, 41, 42],
      Array.from({ length: 30 }, (_, i) => secondDelim - 15 + i),
    ];
    for (const cuts of cutsList) {
      const parts = parseInChunks(body, boundary, cuts);
      expect(parts.map((p) => p.body)).toEqual(whole.map((p) => p.body));
    }
    expect(whole.map((p) => p.body)).toEqual([a, b]);
  });

  it('accepts bare LF line ends and a body that starts with the delimiter', () => {
    const body = concat(`--${boundary}\nContent-Type: application/dicom\n\n`, a, `\n--${boundary}--`);
    const parts = parseInChunks(body, boundary, [7, 5003]);
    expect(parts.length).toBe(1);
    expect(parts[0].body).toEqual(a);
  });

  it('keeps bytes that look like a boundary but are not one', () => {
    const tricky = concat(`--${boundary.slice(0, -1)}X`, '\r\n--', a.subarray(0, 100), '\r\n');
    const body = writeMultipart([{ contentType: 'application/dicom', body: tricky }], boundary);
    expect(parseInChunks(body, boundary, [1, 2, 30])[0].body).toEqual(tricky);
  });

  it('says when the closing boundary never came, or no boundary at all', () => {
    const body = writeMultipart([{ contentType: 'application/dicom', body: a }], boundary);
    expect(() => parseInChunks(body.subarray(0, body.length - 30), boundary, [])).toThrow(/no closing boundary/);
    expect(() => parseInChunks(a, boundary, [])).toThrow(/boundary never occurs/);
  });
});
