import { errorRegistry } from '../engine/src/errors.ts';

/** docs/errors.md, generated from the registry so that the two can never disagree. */
export function renderErrorDocs(): string {
  const rows = Object.entries(errorRegistry).map(
    ([code, spec]) => `| \`${code}\` | ${spec.status} | ${spec.description.replaceAll('|', '\\|')} |`,
  );
  return [
    '# OmenDB error codes',
    '',
    'Every expected failure carries one of these codes. Codes are stable: a code never changes',
    'meaning or disappears; messages may change. Match on `code`, never on `message`.',
    'This file is generated from `engine/src/errors.ts` by `npm run docs:errors`.',
    '',
    '| code | HTTP status | meaning |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
