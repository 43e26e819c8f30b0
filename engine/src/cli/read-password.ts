import { createInterface } from 'node:readline';
import { passwordLengthMax } from '../limits.ts';

/**
 * A password never travels on the command line (it would show in `ps`): it comes from
 * OMENDB_USER_PASSWORD, or the first line of standard input, or a prompt without echo on a terminal.
 */
export async function readPassword(env: NodeJS.ProcessEnv, prompt: string): Promise<string> {
  if (env.OMENDB_USER_PASSWORD !== undefined) return env.OMENDB_USER_PASSWORD;
  const input = process.stdin;
  if (!input.isTTY) return firstLine(input);
  process.stderr.write(prompt);
  const lines = createInterface({ input, terminal: true });
  // Swallow the echo of what is typed.
  (lines as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = () => undefined;
  try {
    return await new Promise<string>((resolve) => lines.once('line', resolve));
  } finally {
    lines.close();
    process.stderr.write('\n');
  }
}

async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  // Bounded: a password is at most passwordLengthMax characters; stop reading past a line.
  for await (const chunk of input) {
    text += String(chunk);
    if (text.includes('\n') || text.length > passwordLengthMax * 4) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}
