import { formatReach } from '../../../lib/cli/local-report';

/** The REACH column of `portwatch local --vantage`'s first table: where a target is open, where not, where unknown. */
describe('formatReach', () => {
  it.each([
    ['open from everywhere', { open: ['a', 'b', 'c'], notOpen: [], unknown: [] }, 'open from a,b,c'],
    ['open from nowhere', { open: [], notOpen: ['a', 'b', 'c'], unknown: [] }, 'not open from a,b,c'],
    ['partial', { open: ['a', 'b'], notOpen: ['c'], unknown: [] }, 'open from a,b; not from c'],
    ['one unknown', { open: [], notOpen: ['a'], unknown: ['b', 'c'] }, 'not open from a; unknown from b,c'],
  ])('%s', (_name, sides, text) => {
    // Act
    const formatted = formatReach({ ...sides, partialSince: null });
    // Assess
    expect(formatted).toBe(text);
  });
});
