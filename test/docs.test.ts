import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderCompatibilityRulesMarkdown, renderFallbackRulesMarkdown, renderGlueTypeRulesMarkdown, renderTableEvolutionRulesMarkdown } from '../lib/contracts';

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

describe('README', () => {
  it('starts with the two commands that work on a fresh machine', () => {
    const block = README.split('```')[1];
    expect(block).toMatch(/^bash\nnpm ci && npm run synth/);
    expect(block).toMatch(/\nnpm test/);
  });

  it('documents the JSON Schema → Glue mapping exactly as the code applies it', () => {
    expect(README).toContain(renderGlueTypeRulesMarkdown().trim());
    expect(README).toContain(renderFallbackRulesMarkdown().trim());
  });

  it('documents the SchemaVer compatibility rules exactly as the checker applies them', () => {
    expect(README).toContain(renderCompatibilityRulesMarkdown().trim());
    expect(README).toContain(renderTableEvolutionRulesMarkdown().trim());
  });
});
