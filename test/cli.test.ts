import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildProgram, packageVersion } from '../tools/cli';

describe('lakeforge CLI', () => {
  it('prints the package version with --version', () => {
    const out: string[] = [];
    const program = buildProgram().exitOverride().configureOutput({ writeOut: (s) => out.push(s) });
    expect(() => program.parse(['node', 'lakeforge', '--version'])).toThrow();
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(out.join('').trim()).toBe(version);
    expect(packageVersion()).toBe(version);
  });

  it('does not load the local platform (DuckDB, kinesalite, s3rver) until `local` runs', () => {
    jest.isolateModules(() => {
      require('../tools/cli');
    });
    const loaded = Object.keys(require.cache).filter((k) => /[\\/]tools[\\/]local[\\/](platform|duckdb-lake)\.ts$/.test(k) || k.includes(`${path.sep}@duckdb${path.sep}`));
    expect(loaded).toEqual([]);
  });
});
