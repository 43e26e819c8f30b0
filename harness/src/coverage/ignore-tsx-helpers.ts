/**
 * Nodes that exist only in tsx's output, not in the TypeScript the unit coverage measured:
 * esbuild's keepNames helper (`var __defProp=...,__name=...`) and its `__name(fn, "fn")` calls.
 * Counting them would make the end-to-end map disagree with vitest's for every file.
 */

const helperNames = new Set(['__name', '__defProp']);

interface AstNode {
  readonly type: string;
  readonly expression?: { type: string; callee?: { type: string; name?: string } };
  readonly declarations?: readonly { id: { type: string; name?: string } }[];
  readonly id?: { type: string; name?: string } | null;
}

export function ignoreTsxHelpers(node: AstNode): boolean | 'ignore-this-and-nested-nodes' {
  const callee = node.expression?.callee;
  if (node.type === 'ExpressionStatement' && callee?.type === 'Identifier' && callee.name === '__name')
    return 'ignore-this-and-nested-nodes';
  if (
    node.type === 'VariableDeclaration' &&
    (node.declarations ?? []).every((d) => d.id.type === 'Identifier' && helperNames.has(d.id.name ?? ''))
  )
    return 'ignore-this-and-nested-nodes';
  if (
    node.type === 'VariableDeclarator' &&
    node.id?.type === 'Identifier' &&
    helperNames.has(node.id.name ?? '')
  )
    return 'ignore-this-and-nested-nodes';
  return false;
}
