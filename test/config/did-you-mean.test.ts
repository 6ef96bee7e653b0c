import * as fc from 'fast-check';
import { closestMatches, didYouMean, editDistance } from '../../lib/shared/config-error';

describe('editDistance', () => {
  it.each<[string, string, number]>([
    ['', '', 0],
    ['', 'abc', 3],
    ['allowDestroy', 'allowDestroy', 0],
    ['alowDestroy', 'allowDestroy', 1],
    ['allowDestroyy', 'allowDestroy', 1],
    ['allowDestrox', 'allowDestroy', 1],
    ['eu-wset-1', 'eu-west-1', 1],
    ['EU-WEST-1', 'eu-west-1', 0],
    ['kitten', 'sitting', 3],
    ['ca', 'abc', 3],
  ])('%j → %j is %i', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
    expect(editDistance(b, a)).toBe(expected);
  });

  it('is zero exactly for equal strings (ignoring case), and never more than the longer length', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const d = editDistance(a, b);
        expect(d === 0).toBe(a.toLowerCase() === b.toLowerCase());
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
        expect(d).toBe(editDistance(b, a));
      }),
    );
  });
});

describe('closestMatches and didYouMean', () => {
  const keys = ['allowDestroy', 'keyPendingWindowDays', 'lifecycle'];

  it('suggests the closest key within a third of the length', () => {
    expect(closestMatches('alowDestroy', keys)).toEqual(['allowDestroy']);
    expect(didYouMean('lifecylce', keys)).toBe('did you mean "lifecycle"?');
  });

  it('suggests nothing when no key is close, or when the value is itself a key', () => {
    expect(closestMatches('retainForever', keys)).toEqual([]);
    expect(didYouMean('retainForever', keys)).toBeUndefined();
    expect(closestMatches('lifecycle', keys)).toEqual([]);
  });

  it('lists up to three equally close candidates, in their order', () => {
    expect(didYouMean('eu-west-9', ['eu-west-1', 'eu-west-2'])).toBe('did you mean "eu-west-1" or "eu-west-2"?');
    expect(closestMatches('x1', ['x2', 'x3', 'x4', 'x5'])).toEqual(['x2', 'x3', 'x4']);
  });

  it('still suggests for a one-character typo in a short value', () => {
    expect(closestMatches('prd', ['dev', 'acc', 'prod'])).toEqual(['prod']);
  });
});
