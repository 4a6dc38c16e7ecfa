import { describe, expect, it } from 'vitest';
import {
  collectFromFileList,
  describeItems,
  readAllEntries,
  toCollectedInputs,
  walkEntries,
  type DirectoryEntryLike,
  type EntryLike,
  type FileEntryLike,
} from '../../src/ui/folderWalk';

/** A fake file system: a tree of names; folders hand out their children in batches like Chromium's reader. */
type Tree = { [name: string]: Tree | string };

interface FakeOptions {
  batchSize: number;
  /** Folder paths whose listing fails. */
  failingDirs?: string[];
  /** Count readEntries calls per folder. */
  calls?: Map<string, number>;
}

function fakeEntry(name: string, node: Tree | string, parent: string, opts: FakeOptions): EntryLike {
  const fullPath = `${parent}/${name}`;
  if (typeof node === 'string') {
    const entry: FileEntryLike = {
      isFile: true, isDirectory: false, name, fullPath,
      file(success) {
        // Async like the real API.
        setTimeout(() => success(new File([node], name)), 0);
      },
    };
    return entry;
  }
  const dir: DirectoryEntryLike = {
    isFile: false, isDirectory: true, name, fullPath,
    createReader() {
      const children = Object.entries(node).map(([n, child]) => fakeEntry(n, child, fullPath, opts));
      let pos = 0;
      return {
        readEntries(success, error) {
          opts.calls?.set(fullPath, (opts.calls.get(fullPath) ?? 0) + 1);
          setTimeout(() => {
            if (opts.failingDirs?.includes(fullPath)) {
              error?.(new DOMException('A requested file or directory could not be found', 'NotFoundError'));
              return;
            }
            const batch = children.slice(pos, pos + opts.batchSize);
            pos += batch.length;
            success(batch);
          }, 0);
        },
      };
    },
  };
  return dir;
}

function manyFiles(n: number, prefix: string): Tree {
  const t: Tree = {};
  for (let i = 0; i < n; i++) t[`${prefix}${String(i).padStart(4, '0')}.dcm`] = `slice ${i}`;
  return t;
}

describe('folder walk', () => {
  it('reads every batch of a large folder until the reader returns an empty batch', async () => {
    const calls = new Map<string, number>();
    const root = fakeEntry('scan', manyFiles(250, 'IM'), '', { batchSize: 100, calls }) as DirectoryEntryLike;
    const entries = await readAllEntries(root);
    expect(entries).toHaveLength(250);
    // 100 + 100 + 50 + the empty batch that ends the listing.
    expect(calls.get('/scan')).toBe(4);
  });

  it('walks nested folders fully and keeps relative paths', async () => {
    const tree: Tree = {
      'readme.txt': 'hello',
      study: {
        series1: manyFiles(130, 'a'),
        series2: { deeper: manyFiles(3, 'b') },
        empty: {},
      },
    };
    const root = fakeEntry('patient', tree, '', { batchSize: 100 });
    const res = await walkEntries([root]);
    expect(res.errors).toEqual([]);
    expect(res.files).toHaveLength(1 + 130 + 3);
    const paths = res.files.map((f) => f.path);
    expect(paths).toContain('patient/readme.txt');
    expect(paths).toContain('patient/study/series1/a0129.dcm');
    expect(paths).toContain('patient/study/series2/deeper/b0002.dcm');
    expect(paths).toEqual([...paths].sort());
    const readme = res.files.find((f) => f.path === 'patient/readme.txt')!;
    expect(await readme.file.text()).toBe('hello');
  });

  it('takes several dropped folders and loose files at once', async () => {
    const opts = { batchSize: 7 };
    const res = await walkEntries([
      fakeEntry('one', manyFiles(10, 'x'), '', opts),
      fakeEntry('two', manyFiles(8, 'y'), '', opts),
      fakeEntry('loose.dcm', 'data', '', opts),
    ]);
    expect(res.files).toHaveLength(19);
    expect(res.files.filter((f) => f.path.startsWith('one/'))).toHaveLength(10);
    expect(res.files.filter((f) => f.path.startsWith('two/'))).toHaveLength(8);
    expect(res.files.map((f) => f.path)).toContain('loose.dcm');
  });

  it('reports a folder that cannot be listed and still reads the rest', async () => {
    const tree: Tree = { good: manyFiles(3, 'g'), bad: manyFiles(3, 'b') };
    const res = await walkEntries([fakeEntry('root', tree, '', { batchSize: 2, failingDirs: ['/root/bad'] })]);
    expect(res.files.map((f) => f.path)).toEqual(['root/good/g0000.dcm', 'root/good/g0001.dcm', 'root/good/g0002.dcm']);
    expect(res.errors).toHaveLength(1);
    expect(res.errors[0].file).toBe('root/bad/');
    expect(res.errors[0].reason).toMatch(/could not list the folder: A requested file/);
  });
});

describe('picked files', () => {
  it('uses the path inside the picked folder, else the file name', () => {
    const inFolder = new File(['a'], 'a.dcm');
    Object.defineProperty(inFolder, 'webkitRelativePath', { value: 'scan/sub/a.dcm' });
    const loose = new File(['b'], 'b.dcm');
    const res = collectFromFileList([loose, inFolder]);
    expect(res.files.map((f) => f.path)).toEqual(['b.dcm', 'scan/sub/a.dcm']);
    const inputs = toCollectedInputs(res);
    expect(inputs.inputs[1]).toEqual({ path: 'scan/sub/a.dcm', source: inFolder });
  });

  it('describes what was loaded', () => {
    expect(describeItems(['lung-ct'])).toBe('lung-ct');
    expect(describeItems(['a', 'b', 'c'])).toBe('3 items');
  });
});
