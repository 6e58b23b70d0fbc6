import { describe, expect, it } from 'vitest';
import { matchesSelectors, parseLabelSelector } from '../../src/sandbox/label-selector.js';

const matches = (query: string, labels: Record<string, string>): boolean => matchesSelectors(parseLabelSelector(query), labels);

describe('parseLabelSelector (Marathon LabelSelectorParsers grammar)', () => {
  it.each([
    ['a', [{ key: 'a', op: 'exists', values: [] }]],
    ['a==b', [{ key: 'a', op: '==', values: ['b'] }]],
    [' a != b ', [{ key: 'a', op: '!=', values: ['b'] }]],
    ['env in (prod, qa)', [{ key: 'env', op: 'in', values: ['prod', 'qa'] }]],
    ['tier notin (front,back)', [{ key: 'tier', op: 'notin', values: ['front', 'back'] }]],
    [
      'maracker.managed-by==maracker,x_y',
      [
        { key: 'maracker.managed-by', op: '==', values: ['maracker'] },
        { key: 'x_y', op: 'exists', values: [] },
      ],
    ],
    ['\\!\\!\\! in (\\-\\-\\-, \\&\\&\\&)', [{ key: '!!!', op: 'in', values: ['---', '&&&'] }]],
    ['index==in', [{ key: 'index', op: '==', values: ['in'] }]],
    ['', []],
  ])('parses %j', (query, expected) => {
    expect(parseLabelSelector(query)).toEqual(expected);
  });

  it.each(['a==', 'a==b,', 'a b', '==b', 'a in (b', 'a:b'])('rejects %j with a 422 IllegalArgumentException body', (query) => {
    let caught: unknown;
    try {
      parseLabelSelector(query);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'MRK_SANDBOX_API_ERROR', status: 422 });
    expect((caught as { body: { message: string } }).body.message).toMatch(
      new RegExp(`^Can not parse label selector ${query.replace(/[()[\]\\.*+?^$|]/g, '\\$&')}\\. Reason: .+`),
    );
  });
});

describe('matchesSelectors', () => {
  it('requires the label to exist for every operator, negations included', () => {
    expect(matches('a!=x', {})).toBe(false);
    expect(matches('a notin (x)', {})).toBe(false);
    expect(matches('a!=x', { a: 'y' })).toBe(true);
    expect(matches('a notin (x)', { a: 'y' })).toBe(true);
  });

  it('takes a comma-separated list as a conjunction', () => {
    expect(matches('a==1,b', { a: '1', b: '' })).toBe(true);
    expect(matches('a==1,b', { a: '1' })).toBe(false);
    expect(matches('', {})).toBe(true);
  });
});
