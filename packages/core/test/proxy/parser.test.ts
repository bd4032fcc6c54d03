/**
 * The PROXY protocol header parser, byte by byte: every valid form, every
 * malformed one, in every chunking.
 */

import fc from "fast-check";
import { ErrorCode, ProxyHeaderError, ProxyHeaderParser, V1_MAX_LENGTH, parseProxyHeader, type ProxyHeaderResult } from "@asynchat/core";
import { chunkings, proxyHeaderV1, proxyHeaderV2 } from "@asynchat/core/testing";

const client = { sourceAddress: "203.0.113.7", sourcePort: 51234, destinationAddress: "192.0.2.1", destinationPort: 25 };
const client6 = { sourceAddress: "2001:db8::7", sourcePort: 40000, destinationAddress: "2001:db8:0:1::1", destinationPort: 6667 };

/** Feeds `chunks` one by one; the result, or the error thrown. */
function feed(chunks: readonly Uint8Array[], options?: { maxV2Length?: number }): { result: ProxyHeaderResult | null; error: ProxyHeaderError | null; fedAfter: number } {
  const parser = new ProxyHeaderParser(options);
  for (let i = 0; i < chunks.length; i++) {
    try {
      const result = parser.push(chunks[i]!);
      if (result !== null) {
        // What came after the header in later chunks is the caller's: join it on.
        return { result: { header: result.header, rest: Buffer.concat([result.rest, ...chunks.slice(i + 1)]) }, error: null, fedAfter: i };
      }
    } catch (error) {
      return { result: null, error: error as ProxyHeaderError, fedAfter: i };
    }
  }
  return { result: null, error: null, fedAfter: chunks.length };
}

/** Splits `bytes` at the sorted cut points. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const at of points) {
    pieces.push(bytes.subarray(from, at));
    from = at;
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}

describe("PROXY v1", () => {
  it("reads a TCP4 header and hands on the bytes after it", () => {
    const bytes = Buffer.concat([proxyHeaderV1(client), Buffer.from("EHLO x\r\n")]);
    const done = parseProxyHeader(bytes)!;
    expect(done.header).toEqual({
      version: 1,
      command: "PROXY",
      source: { address: "203.0.113.7", port: 51234, family: "IPv4" },
      destination: { address: "192.0.2.1", port: 25, family: "IPv4" },
      tlvs: [],
      length: proxyHeaderV1(client).length,
    });
    expect(done.rest.toString()).toBe("EHLO x\r\n");
  });

  it("reads a TCP6 header", () => {
    const done = parseProxyHeader(proxyHeaderV1(client6))!;
    expect(done.header.source).toEqual({ address: "2001:db8::7", port: 40000, family: "IPv6" });
    expect(done.header.destination).toEqual({ address: "2001:db8:0:1::1", port: 6667, family: "IPv6" });
  });

  it("reads UNKNOWN, with or without addresses after it, as no client address", () => {
    expect(parseProxyHeader(Buffer.from("PROXY UNKNOWN\r\n"))!.header.source).toBeNull();
    const long = parseProxyHeader(Buffer.from("PROXY UNKNOWN ffff::1 ffff::2 65535 65535\r\nX"))!;
    expect([long.header.source, long.rest.toString()]).toEqual([null, "X"]);
  });

  it("accepts a header of exactly 107 bytes and refuses one of 108 as too long", () => {
    const fill = (n: number): Buffer => Buffer.from(`PROXY UNKNOWN ${"x".repeat(n - 16)}\r\n`);
    expect(fill(107).length).toBe(V1_MAX_LENGTH);
    expect(parseProxyHeader(fill(107))!.header.length).toBe(107);
    expect(() => parseProxyHeader(fill(108))).toThrow(expect.objectContaining({ code: ErrorCode.PROXY_HEADER_TOO_LONG }));
    // Without any line end, it gives up at byte 107 whatever follows.
    expect(() => parseProxyHeader(Buffer.from(`PROXY UNKNOWN ${"x".repeat(200)}`))).toThrow(expect.objectContaining({ problem: "too-long" }));
  });

  it("waits for more while the line is incomplete", () => {
    const parser = new ProxyHeaderParser();
    expect(parser.push(Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r"))).toBeNull();
    expect(parser.push(Buffer.from("\n"))!.header.source!.address).toBe("1.2.3.4");
  });
});

describe("PROXY v2", () => {
  it("reads TCP over IPv4", () => {
    const done = parseProxyHeader(Buffer.concat([proxyHeaderV2(client), Buffer.from("hello")]))!;
    expect(done.header).toMatchObject({ version: 2, command: "PROXY", source: { address: "203.0.113.7", port: 51234, family: "IPv4" }, length: 28 });
    expect(done.header.destination).toEqual({ address: "192.0.2.1", port: 25, family: "IPv4" });
    expect(done.rest.toString()).toBe("hello");
  });

  it("reads TCP over IPv6, writing addresses as Node does", () => {
    for (const [given, written] of [
      ["2001:db8::7", "2001:db8::7"],
      ["::1", "::1"],
      ["::", "::"],
      ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
      ["1:0:0:2:0:0:3:4", "1::2:0:0:3:4"],
      ["fe80:1:2:3:4:5:6:7", "fe80:1:2:3:4:5:6:7"],
      ["::ffff:192.0.2.9", "::ffff:192.0.2.9"],
    ] as const) {
      const header = parseProxyHeader(proxyHeaderV2({ ...client6, sourceAddress: given }))!.header;
      expect([given, header.source!.address]).toEqual([given, written]);
    }
  });

  it("reads LOCAL (a health check) as no client address, whatever its address block says", () => {
    const local = parseProxyHeader(Buffer.concat([proxyHeaderV2(undefined, { command: "LOCAL" }), Buffer.from("PING\r\n")]))!;
    expect([local.header.command, local.header.source, local.rest.toString()]).toEqual(["LOCAL", null, "PING\r\n"]);
    const withBlock = parseProxyHeader(proxyHeaderV2(client, { command: "LOCAL" }))!;
    expect([withBlock.header.command, withBlock.header.source]).toEqual(["LOCAL", null]);
  });

  it("reads AF_UNSPEC and AF_UNIX as no client address", () => {
    expect(parseProxyHeader(proxyHeaderV2())!.header.source).toBeNull();
    const unix = Buffer.concat([proxyHeaderV2().subarray(0, 12), Buffer.from([0x21, 0x31, 0x00, 216]), Buffer.alloc(216)]);
    expect(parseProxyHeader(unix)!.header).toMatchObject({ command: "PROXY", source: null, length: 232 });
  });

  it("skips TLVs, keeping them for inspection", () => {
    const tlvs = [
      { type: 0x02, value: Buffer.from("mail.example.test") },
      { type: 0x04, value: Buffer.alloc(0) },
      { type: 0xe0, value: Buffer.alloc(300, 7) },
    ];
    const done = parseProxyHeader(Buffer.concat([proxyHeaderV2(client, { tlvs }), Buffer.from("rest")]))!;
    expect(done.header.tlvs).toEqual(tlvs);
    expect(done.rest.toString()).toBe("rest");
  });

  it("refuses a length field above the bound as soon as the 16 fixed bytes are in, before the rest arrives", () => {
    const header = proxyHeaderV2(client, { tlvs: [{ type: 0xe0, value: Buffer.alloc(100) }] });
    const parser = new ProxyHeaderParser({ maxV2Length: 64 });
    expect(() => parser.push(header.subarray(0, 16))).toThrow(expect.objectContaining({ code: ErrorCode.PROXY_HEADER_TOO_LONG }));
    expect(parseProxyHeader(header, { maxV2Length: 115 })!.header.length).toBe(131);
  });

  it("rejects maxV2Length values that are not 0..65535", () => {
    for (const bad of [-1, 65536, 1.5, Number.NaN]) {
      expect(() => new ProxyHeaderParser({ maxV2Length: bad })).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    }
  });
});

/** Headers that must be refused, each with the code it must be refused with. */
const v2 = proxyHeaderV2(client);
const withByte = (bytes: Buffer, at: number, value: number): Buffer => {
  const copy = Buffer.from(bytes);
  copy[at] = value;
  return copy;
};
const malformedHeaders: Array<[string, Buffer, string]> = [
  ["no header at all (a client talking first)", Buffer.from("EHLO client.example\r\n"), ErrorCode.PROXY_HEADER_INVALID],
  ["an HTTP request", Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), ErrorCode.PROXY_HEADER_INVALID],
  ["a TLS ClientHello", Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), ErrorCode.PROXY_HEADER_INVALID],
  ["lower-case proxy", Buffer.from("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), ErrorCode.PROXY_HEADER_INVALID],
  ["PROXY without its space", Buffer.from("PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n"), ErrorCode.PROXY_HEADER_INVALID],
  ["v1 with a bare LF", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"), ErrorCode.PROXY_HEADER_INVALID],
  ["v1 with CR then not LF", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX"), ErrorCode.PROXY_HEADER_INVALID],
  ["v1 with an unknown protocol", Buffer.from("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n"), ErrorCode.PROXY_HEADER_INVALID],
  ["v1 TCP4 with an IPv6 address", Buffer.from("PROXY TCP4 ::1 5.6.7.8 1 2\r\n"), ErrorCode.PROXY_HEADER_INVALID],
  ["v1 TCP6 with an IPv4 address", Buffer.from("PROXY TCP6 1.2.3.4 ::1 1 2\r\n"), ErrorCode.PROXY_HEADER_INVALID],
  ["v1 with an octet above 255", Buffer.from("PROXY TCP4 1.2.3.400 5.6.7.8 1 2\r\n"), ErrorCode.PROXY_HEADER_INVALID],
  ["v1 with a port above 65535", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n"), ErrorCode.PROXY_HEADER_INVALID],
  ["v1 with a port with a leading zero", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n"), ErrorCode.PROXY_HEADER_INVALID],
  ["v1 with a negative port", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n"), ErrorCode.PROXY_HEADER_INVALID],
  ["v1 with a field missing", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"), ErrorCode.PROXY_HEADER_INVALID],
  ["v1 with a field too many", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"), ErrorCode.PROXY_HEADER_INVALID],
  ["v1 with two spaces", Buffer.from("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n"), ErrorCode.PROXY_HEADER_INVALID],
  ["v1 with a NUL byte", Buffer.from("PROXY TCP4 1.2.3.4\0 5.6.7.8 1 2\r\n"), ErrorCode.PROXY_HEADER_INVALID],
  ["v1 with a byte above 0x7e", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.\xe9 1 2\r\n", "latin1"), ErrorCode.PROXY_HEADER_INVALID],
  ["v1 of 108 bytes", Buffer.from(`PROXY UNKNOWN ${"x".repeat(92)}\r\n`), ErrorCode.PROXY_HEADER_TOO_LONG],
  ["v1 that never ends", Buffer.from(`PROXY TCP4 ${"1".repeat(300)}`), ErrorCode.PROXY_HEADER_TOO_LONG],
  ["v2 signature with a wrong byte", withByte(v2, 7, 0x50), ErrorCode.PROXY_HEADER_INVALID],
  ["v2 with version 1", withByte(v2, 12, 0x11), ErrorCode.PROXY_HEADER_INVALID],
  ["v2 with version 3", withByte(v2, 12, 0x31), ErrorCode.PROXY_HEADER_INVALID],
  ["v2 with an unassigned command", withByte(v2, 12, 0x22), ErrorCode.PROXY_HEADER_INVALID],
  ["v2 with an unassigned family", withByte(v2, 13, 0x41), ErrorCode.PROXY_HEADER_INVALID],
  ["v2 with an unassigned transport", withByte(v2, 13, 0x13), ErrorCode.PROXY_HEADER_INVALID],
  ["v2 UDP over IPv4 (on a TCP connection)", withByte(v2, 13, 0x12), ErrorCode.PROXY_HEADER_INVALID],
  ["v2 IPv4 with a length too small for its addresses", Buffer.concat([withByte(withByte(v2, 14, 0), 15, 11), Buffer.alloc(11)]), ErrorCode.PROXY_HEADER_INVALID],
  ["v2 IPv6 with a length too small for its addresses", Buffer.concat([withByte(withByte(v2, 13, 0x21), 15, 12), Buffer.alloc(12)]), ErrorCode.PROXY_HEADER_INVALID],
  ["v2 whose TLV runs past the header", Buffer.concat([withByte(v2, 15, 15), Buffer.from([0x02, 0x00, 0x09])]), ErrorCode.PROXY_HEADER_INVALID],
  ["v2 with two stray bytes after its TLVs", Buffer.concat([withByte(v2, 15, 14), Buffer.from([0x02, 0x00])]), ErrorCode.PROXY_HEADER_INVALID],
  ["v2 whose length passes the bound", withByte(withByte(v2, 14, 0x10), 15, 0x00), ErrorCode.PROXY_HEADER_TOO_LONG],
  ["v2 of the largest length", Buffer.concat([withByte(withByte(v2, 14, 0xff), 15, 0xff), Buffer.alloc(100)]), ErrorCode.PROXY_HEADER_TOO_LONG],
];

describe("malformed headers", () => {
  it.each(malformedHeaders)("refuses %s, whole", (_name, bytes, code) => {
    const { error } = feed([bytes]);
    expect(error).toBeInstanceOf(ProxyHeaderError);
    expect(error!.code).toBe(code);
    expect(Buffer.isBuffer(error!.value) && error!.value.length).toBeGreaterThan(0);
  });

  it.each(malformedHeaders)("refuses %s in every chunking, never accepting it", (_name, bytes, code) => {
    for (const { name, chunks } of chunkings(bytes)) {
      const { result, error } = feed(chunks);
      expect([name, result, error?.code]).toEqual([name, null, code]);
    }
  });

  it("refuses a missing header at the first byte that cannot start one", () => {
    const parser = new ProxyHeaderParser();
    expect(parser.push(Buffer.from("PRO"))).toBeNull();
    expect(() => parser.push(Buffer.from("XZ"))).toThrow(ProxyHeaderError);
    expect(() => new ProxyHeaderParser().push(Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x01]))).toThrow(ProxyHeaderError);
  });

  it("holds no more than the header's bound while reading it", () => {
    const parser = new ProxyHeaderParser();
    for (let i = 0; i < 106; i++) {
      try {
        parser.push(Buffer.from(i < 6 ? "PROXY "[i]! : "x"));
      } catch {
        break;
      }
    }
    expect(parser.bufferedLength).toBeLessThanOrEqual(V1_MAX_LENGTH);
  });
});

describe("every chunking (fast-check)", () => {
  const endpoint4 = fc.record({
    address: fc.ipV4(),
    port: fc.integer({ min: 0, max: 65535 }),
  });
  const endpoint6 = fc.record({
    address: fc.ipV6(),
    port: fc.integer({ min: 0, max: 65535 }),
  });
  const connection = fc.oneof(
    fc.tuple(endpoint4, endpoint4),
    fc.tuple(endpoint6, endpoint6),
  ).map(([s, d]) => ({ sourceAddress: s.address, sourcePort: s.port, destinationAddress: d.address, destinationPort: d.port }));
  const tlv = fc.record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)) });

  it("gives the same header and the same rest for any header, any data after it, any split", () => {
    fc.assert(
      fc.property(
        connection,
        fc.constantFrom(1, 2),
        fc.array(tlv, { maxLength: 4 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (conn, version, tlvs, after, cuts) => {
          const header = version === 1 ? proxyHeaderV1(conn) : proxyHeaderV2(conn, { tlvs });
          const bytes = Buffer.concat([header, after]);
          const whole = feed([bytes]).result!;
          const pieces = feed(split(bytes, cuts)).result!;
          expect(pieces.header).toEqual(whole.header);
          expect(pieces.rest).toEqual(Buffer.from(after));
          expect(whole.header.length).toBe(header.length);
          expect(whole.header.source!.port).toBe(conn.sourcePort);
          expect(whole.header.destination!.port).toBe(conn.destinationPort);
          expect(whole.header.source!.family).toBe(conn.sourceAddress.includes(":") ? "IPv6" : "IPv4");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never accepts a corrupted header in any split: it refuses it, or reads a header whose bytes are exactly the ones given", () => {
    fc.assert(
      fc.property(
        connection,
        fc.constantFrom(1, 2),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (conn, version, position, value, cuts) => {
          const header = version === 1 ? proxyHeaderV1(conn) : proxyHeaderV2(conn);
          const corrupted = withByte(header, position % header.length, value);
          const whole = feed([corrupted]);
          const pieces = feed(split(corrupted, cuts));
          // Same outcome in any split: the same error code, or the same header.
          expect(pieces.error?.code).toBe(whole.error?.code);
          expect(pieces.result?.header).toEqual(whole.result?.header);
          if (whole.result !== null) {
            // A byte changed inside an address or port can still make a valid header (another client);
            // it must account for exactly the header's bytes.
            expect(whole.result.header.length).toBeLessThanOrEqual(corrupted.length);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("refuses random bytes that start with neither signature, at the first byte", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (bytes) => {
        fc.pre(bytes[0] !== 0x50 && bytes[0] !== 0x0d);
        expect(feed([Buffer.from(bytes.subarray(0, 1))]).error?.code).toBe(ErrorCode.PROXY_HEADER_INVALID);
      }),
    );
  });
});
