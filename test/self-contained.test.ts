import * as fs from 'node:fs';
import * as path from 'node:path';
import { dataSetsDir, igluSampleDir, movieLensDir } from '../tools/local/data-sets';

/** A clone anywhere, with nothing beside it, must run the demo and the tests. */
const ROOT = path.join(__dirname, '..');

describe('self-contained repository', () => {
  it('finds the data sets inside the repository, each next to its licence and source', () => {
    const saved = process.env.LAKEFORGE_DATA;
    delete process.env.LAKEFORGE_DATA;
    try {
      expect(path.relative(ROOT, dataSetsDir())).toBe(path.join('examples', 'data'));
      for (const f of ['README.txt', 'SOURCE.md', 'ratings.csv', 'tags.csv', 'movies.csv', 'links.csv']) expect(fs.existsSync(path.join(movieLensDir(), f))).toBe(true);
      for (const f of ['LICENSE', 'SOURCE.md', 'schemas']) expect(fs.existsSync(path.join(igluSampleDir(), f))).toBe(true);
    } finally {
      if (saved !== undefined) process.env.LAKEFORGE_DATA = saved;
    }
  });

  it('names no path outside the repository in its sources', () => {
    const offenders: string[] = [];
    for (const dir of ['bin', 'config', 'lib', 'lambdas', 'tools', 'test', 'examples']) {
      for (const f of fs.readdirSync(path.join(ROOT, dir), { recursive: true }).map(String)) {
        if (!/\.(ts|mjs|js)$/.test(f) || f.includes('node_modules')) continue;
        const text = fs.readFileSync(path.join(ROOT, dir, f), 'utf8');
        // Built from parts so this file does not match itself.
        if (text.includes(['', 'work', 'shared'].join('/')) || text.includes(['..', 'shared', 'data'].join('/'))) offenders.push(path.join(dir, f));
      }
    }
    expect(offenders).toEqual([]);
  });
});
