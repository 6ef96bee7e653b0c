import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EnvironmentConfigInput } from '../config/schema';
import { buildProgram, packageVersion, renderError } from '../tools/cli';

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

  it('prints every problem of an invalid configuration, one per line, and exits 1', async () => {
    const actual = jest.requireActual<typeof import('../config/environments')>('../config/environments');
    const prod: EnvironmentConfigInput = structuredClone(actual.environments.prod);
    const broken = { ...prod, account: '1234', region: 'zz-nowhere-7', storage: { ...prod.storage, alowDestroy: false } } as EnvironmentConfigInput;
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args.join(' ')));
    const saved = { exitCode: process.exitCode, debug: process.env.LAKEFORGE_DEBUG };
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-cli-'));
    delete process.env.LAKEFORGE_DEBUG;
    try {
      let cli: typeof import('../tools/cli') | undefined;
      jest.isolateModules(() => {
        jest.doMock('../config/environments', () => ({ ...actual, environments: { ...actual.environments, prod: broken } }));
        cli = require('../tools/cli') as typeof import('../tools/cli');
      });
      await cli!.main(['node', 'lakeforge', 'synth', '--output', path.join(outdir, 'cdk.out')]);
      expect(process.exitCode).toBe(1);
    } finally {
      spy.mockRestore();
      process.exitCode = saved.exitCode;
      if (saved.debug !== undefined) process.env.LAKEFORGE_DEBUG = saved.debug;
      jest.dontMock('../config/environments');
      fs.rmSync(outdir, { recursive: true, force: true });
    }
    const lines = errors.join('\n').split('\n');
    expect(lines[0]).toBe('Invalid Lakeforge configuration (config/environments.ts):');
    expect(lines.slice(1).map((line) => line.replace(/^ {2}- /, '').split(':')[0]).sort()).toEqual(['prod.account', 'prod.region', 'prod.storage.alowDestroy']);
    expect(lines.find((line) => line.includes('prod.storage.alowDestroy'))).toMatch(/did you mean "allowDestroy"\?/);
  });

  it('prints only the first line of an error that is not a configuration error', () => {
    const error = new Error('first line\n    at someFrame (file.ts:1:1)');
    expect(renderError(error)).toBe('Error: first line');
    expect(renderError('plain')).toBe('plain');
  });
});
