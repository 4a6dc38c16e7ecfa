/**
 * JPEG Lossless, process 14, any predictor (1.2.840.10008.1.2.4.57) and
 * selection value 1 (.70), with jpeg-lossless-decoder-js (plain JavaScript,
 * a port of Helmut Dersch's Java decoder; Huffman-coded DPCM, T.81 annex H).
 * The package is imported on the first call of loadJpegLosslessDecoder.
 *
 * The frame header is checked first: that decoder accepts any SOFn and would
 * return noise for a DCT code stream, so anything but SOF3 is rejected with a
 * reason; so is a code stream that does not end with EOI, which that decoder
 * would turn into a full frame of made-up pixels without complaint. Cost: one
 * pass over the code stream, one output array per frame.
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the declarations must reach every tsconfig project that compiles this file
/// <reference path="./vendor.d.ts" />
import { DecodeError } from '../core/dicom/pixelDecoder';
import type { LoadedCodec } from './codecSet';
import { describeSof, endsWithEoi, readJpegFrameHeader } from './jpegMarkers';

export async function loadJpegLosslessDecoder(): Promise<LoadedCodec> {
  const { Decoder } = await import('jpeg-lossless-decoder-js');
  const decoder: LoadedCodec['decoder'] = (frame, info) => {
    const sof = readJpegFrameHeader(frame);
    if (!sof) throw new DecodeError('not a JPEG code stream (no SOI marker or no frame header)');
    if (sof.sof !== 0xc3) throw new DecodeError(`the code stream is ${describeSof(sof.sof)}, not lossless (SOF3) as its transfer syntax says`);
    if (sof.columns !== info.columns || sof.rows !== info.rows) {
      throw new DecodeError(`JPEG lossless code stream is ${sof.columns}×${sof.rows}, the header says Columns ${info.columns} × Rows ${info.rows}`);
    }
    if (sof.components !== info.samplesPerPixel) {
      throw new DecodeError(`JPEG lossless code stream has ${sof.components} component(s), the header says SamplesPerPixel ${info.samplesPerPixel}`);
    }
    if (sof.precision > 16) throw new DecodeError(`${sof.precision}-bit JPEG lossless is not supported (at most 16 bits)`);
    if (!endsWithEoi(frame)) throw new DecodeError('JPEG lossless code stream is cut short: it does not end with the EOI marker (FFD9)');
    const buffer = frame.buffer as ArrayBuffer;
    try {
      return new Decoder().decode(buffer, frame.byteOffset, frame.byteLength);
    } catch (e) {
      throw new DecodeError(`JPEG lossless: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return { decoder };
}
