/**
 * The code of a Markdown text: each line of a fenced block, and each inline code span. Commands
 * are looked for only there, so prose ("the omendb command") is never taken for one. An inline
 * span that the prose introduces with "prints" is output, not a command (the README's
 * "It prints `omendb listening on ...`"), and is left out.
 */
export function markdownCode(markdown: string): string[] {
  const code: string[] = [];
  const prose: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) code.push(line);
    else prose.push(line);
  }
  // Inline spans may wrap across lines of a paragraph, so the prose is searched as one text.
  for (const match of prose.join('\n').matchAll(/(\w+)?\s*(`+)([^`]+?)\2/g)) {
    if (match[1] !== 'prints') code.push(match[3]!);
  }
  return code;
}
