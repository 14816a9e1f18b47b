// Runs a TypeScript entry point in a child process and exchanges one message each way: the child says
// 'ready' once it listens, gets its input, answers with its output and exits.
import { spawn } from 'node:child_process';

export function runInChild<Input, Output>(
  entry: string,
  input: Input,
  wrap: (command: string, args: readonly string[]) => { command: string; args: string[] } = (
    command,
    args,
  ) => ({
    command,
    args: [...args],
  }),
): Promise<Output> {
  const { command, args } = wrap(process.execPath, ['--import', 'tsx', entry]);
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<Output>((resolve, reject) => {
    let output: { value: Output } | undefined;
    child.on('message', (message) => {
      if (message === 'ready') child.send(input as object);
      else output = { value: message as Output };
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (output) resolve(output.value);
      else reject(new Error(`${entry} exited with ${code} and no result`));
    });
  });
}
