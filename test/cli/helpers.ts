/** Shared by the CLI tests: runs `phial` in-process and captures its output and exit code. */
import { runCli } from '../../src/cli/main.ts';
import { ROOT } from '../server/helpers.ts';

export async function cli(argv: string[], env: Record<string, string | undefined> = {}, cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    cwd,
  });
  return { code, stdout, stderr };
}
