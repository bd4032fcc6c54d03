/**
 * Adds a user to an SMTP users file: `node examples/dist/smtp/add-user.js
 * FILE NAME`. The password is read from the first line of stdin (typed, or
 * piped), never from the command line, where other users could see it.
 */

import * as readline from "node:readline";
import { addUser } from "./users";

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("password: ");
  const lines = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return "";
}

async function main(argv: string[]): Promise<void> {
  if (argv.length !== 2) throw new Error(`usage: add-user FILE NAME (password on stdin); got ${argv.length} argument(s)`);
  const [file, name] = argv as [string, string];
  await addUser(file, name, await readPassword());
  process.stderr.write(`added ${name} to ${file}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`add-user: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
