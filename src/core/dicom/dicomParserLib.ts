/**
 * The dicom-parser library, loaded the same way under Vite (browser, worker)
 * and Node (tsx, Vitest). The package is a UMD bundle: bundlers expose its
 * exports directly, Node's ESM loader puts them under `default`.
 */
import * as dicomParserNs from 'dicom-parser';

type DicomParser = typeof dicomParserNs;

const maybeDefault = (dicomParserNs as unknown as { default?: DicomParser }).default;

export const dicomParser: DicomParser =
  maybeDefault && typeof maybeDefault.parseDicom === 'function' ? maybeDefault : dicomParserNs;

export type { DataSet, Element } from 'dicom-parser';
