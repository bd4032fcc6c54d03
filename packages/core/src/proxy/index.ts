/** The PROXY protocol (HAProxy's specification, v1 and v2): parsing and trusted sources. */

export { ProxyHeaderError, type ProxyHeaderProblem } from "./errors";
export type { ProxyEndpoint, ProxyHeader, ProxyTlv } from "./header";
export { ProxyHeaderParser, parseProxyHeader, type ProxyHeaderParserOptions, type ProxyHeaderResult } from "./parser";
export { DEFAULT_TRUSTED_SOURCES, TrustedSources } from "./trusted-sources";
export { V1_MAX_LENGTH } from "./v1";
export { DEFAULT_V2_MAX_LENGTH, V2_SIGNATURE } from "./v2";
