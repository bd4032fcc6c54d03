/**
 * esbuild (through tsx, as Vite and tsx users get it) compiles standard
 * decorators its own way, with its own metadata helper. A small protocol
 * compiled by it must work like one compiled by TypeScript. It runs in a
 * child process that prints what it saw as JSON.
 */

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "../../..");

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "commonjs",
    strict: true,
    // Standard decorators: no experimentalDecorators here.
    paths: {
      "@asynchat/core": [path.join(root, "packages/core/src/index.ts")],
      "@asynchat/core/testing": [path.join(root, "packages/core/src/testing/index.ts")],
      "@asynchat/decorators": [path.join(root, "packages/decorators/src/index.ts")],
    },
  },
};

const PROGRAM = `
import { createSocketPair } from "@asynchat/core/testing";
import { Protocol, ProtocolDefinitionError, describeProtocol, onBytes, onConnect, onTerminator } from "@asynchat/decorators";

class Resp extends Protocol {
  calls: string[] = [];
  need = 0;

  @onConnect
  greet() {
    this.push("+READY\\r\\n");
  }

  @onTerminator("\\r\\n", { encoding: "latin1" })
  header(line: string): unknown {
    this.calls.push("header " + line);
    if (line[0] !== "$") return undefined;
    this.need = Number(line.slice(1)) + 2;
    return this.bulk;
  }

  @onBytes((self: Resp) => self.need)
  bulk(data: Buffer): unknown {
    this.calls.push("bulk " + data.subarray(0, -2).toString("latin1"));
    this.push("+" + data.subarray(0, -2).toString("latin1") + "\\r\\n");
    return "header";
  }
}

class Loud extends Resp {
  override bulk(data: Buffer): unknown {
    this.calls.push("loud");
    return super.bulk(Buffer.from(data.toString("latin1").toUpperCase(), "latin1"));
  }

  @onTerminator("\\n", { encoding: "latin1" })
  extra(): unknown {
    return undefined;
  }
}

class Broken extends Protocol {
  @onBytes(0)
  body() {}
}

async function main() {
  const resp = new Resp();
  for (const byte of Buffer.from("*1\\r\\n$5\\r\\nhe\\r\\no\\r\\n:1\\r\\n", "latin1")) resp.handleRead(Buffer.from([byte]));

  const loud = new Loud();
  loud.handleRead(Buffer.from("$2\\r\\nab\\r\\n", "latin1"));

  const [server, client] = createSocketPair();
  const connected = new Resp(server);
  const received: Buffer[] = [];
  client.on("data", (data: Buffer) => received.push(data));
  client.write("$3\\r\\nxyz\\r\\n");
  while (connected.calls.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 10));
  connected.close();

  let problems: readonly string[] = [];
  try {
    new Broken();
  } catch (error) {
    if (error instanceof ProtocolDefinitionError) problems = error.problems;
  }

  const metadata = (Symbol as { metadata?: symbol }).metadata!;
  console.log(JSON.stringify({
    standardMetadata: Object.prototype.hasOwnProperty.call(Resp, metadata),
    resp: resp.calls,
    loud: loud.calls,
    states: describeProtocol(Loud).map((s) => s.name),
    baseStates: describeProtocol(Resp).map((s) => s.name),
    socket: Buffer.concat(received).toString("latin1"),
    problems,
  }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

function runTsx(dir: string): Promise<string> {
  const cli = require.resolve("tsx/cli");
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, "--tsconfig", path.join(dir, "tsconfig.json"), path.join(dir, "protocol.ts")],
      { cwd: dir, timeout: 25_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`tsx failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

describe("a protocol compiled by esbuild (tsx) with standard decorators", () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "asynchat-esbuild-"));
    writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
    writeFileSync(path.join(dir, "protocol.ts"), PROGRAM);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("frames, switches states, inherits, runs @onConnect and reports class mistakes as under TypeScript", async () => {
    const output = JSON.parse(await runTsx(dir));
    expect(output).toEqual({
      standardMetadata: true,
      resp: ["header *1", "header $5", "bulk he\r\no", "header :1"],
      loud: ["header $2", "loud", "bulk AB"],
      states: ["header", "bulk", "extra"],
      baseStates: ["header", "bulk"],
      socket: "+READY\r\n+xyz\r\n",
      problems: [expect.stringMatching(/^Broken\.body: @onBytes takes a positive integer/)],
    });
  });
});
