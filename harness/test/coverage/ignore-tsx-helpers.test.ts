import { describe, expect, it } from 'vitest';
import { ignoreTsxHelpers } from '../../src/coverage/ignore-tsx-helpers.ts';

describe('ignoreTsxHelpers', () => {
  it("ignores esbuild's keepNames helper and its calls, nothing else", () => {
    const id = (name: string) => ({ type: 'Identifier', name });
    expect(
      ignoreTsxHelpers({
        type: 'ExpressionStatement',
        expression: { type: 'CallExpression', callee: id('__name') },
      }),
    ).toBe('ignore-this-and-nested-nodes');
    expect(
      ignoreTsxHelpers({
        type: 'VariableDeclaration',
        declarations: [{ id: id('__defProp') }, { id: id('__name') }],
      }),
    ).toBe('ignore-this-and-nested-nodes');
    expect(ignoreTsxHelpers({ type: 'VariableDeclarator', id: id('__name') })).toBe(
      'ignore-this-and-nested-nodes',
    );
    expect(
      ignoreTsxHelpers({
        type: 'ExpressionStatement',
        expression: { type: 'CallExpression', callee: id('run') },
      }),
    ).toBe(false);
    expect(
      ignoreTsxHelpers({
        type: 'VariableDeclaration',
        declarations: [{ id: id('__name') }, { id: id('x') }],
      }),
    ).toBe(false);
    expect(ignoreTsxHelpers({ type: 'VariableDeclarator', id: id('x') })).toBe(false);
    expect(ignoreTsxHelpers({ type: 'IfStatement' })).toBe(false);
  });
});
