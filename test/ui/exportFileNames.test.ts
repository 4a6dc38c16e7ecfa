import { describe, expect, it } from 'vitest';
import { exportFileName, sanitizeFilePart } from '../../src/ui/export/fileNames';

describe('export file names', () => {
  it('joins the sanitised series description, what was exported and the extension', () => {
    expect(exportFileName('LUNG 3.0 B70f', 'lung mesh', 'stl')).toBe('LUNG_3.0_B70f-lung-mesh.stl');
    expect(exportFileName('LUNG 3.0 B70f', 'internal structures mesh', 'glb')).toBe('LUNG_3.0_B70f-internal-structures-mesh.glb');
    expect(exportFileName('Thorax 1.0 Br40', 'lung mask', '.nii.gz')).toBe('Thorax_1.0_Br40-lung-mask.nii.gz');
    expect(exportFileName('CT', '3d view', 'PNG')).toBe('CT-3d-view.png');
  });

  it('uses "series" when there is no description', () => {
    expect(exportFileName(null, 'crop mesh', 'obj')).toBe('series-crop-mesh.obj');
    expect(exportFileName('   ', 'crop mesh', 'obj')).toBe('series-crop-mesh.obj');
    expect(exportFileName('///', 'crop mesh', 'obj')).toBe('series-crop-mesh.obj');
  });

  it('keeps only portable characters and never makes a hidden file or a path', () => {
    for (const raw of ['../../etc/passwd', 'a\\b:c*d?e"f<g>h|i', '.hidden', 'tab\tnew\nline', 'Lunge ü Brustkorb', 'CT\u0000x']) {
      const s = sanitizeFilePart(raw);
      expect(s).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
      expect(s).not.toMatch(/\.\.|__/);
      expect(s.endsWith('.') || s.endsWith('_') || s.endsWith('-')).toBe(false);
    }
    expect(sanitizeFilePart('../../etc/passwd')).toBe('etc_passwd');
    expect(sanitizeFilePart('Lunge ü Brustkorb')).toBe('Lunge_u_Brustkorb');
  });

  it('cuts very long descriptions to 80 characters', () => {
    const s = sanitizeFilePart('x'.repeat(79) + ' yyyy');
    expect(s.length).toBeLessThanOrEqual(80);
    expect(s).toBe('x'.repeat(79));
  });
});
