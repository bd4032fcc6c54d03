import type { Config } from "jest";

// Tests run against the TypeScript sources (no build needed), type-checked
// separately by `npm run typecheck`. The decorator dialect tests run twice:
// once with standard (TC39) decorators, once with experimentalDecorators.
const moduleNameMapper = {
  "^@asynchat/core$": "<rootDir>/packages/core/src/index.ts",
  "^@asynchat/core/testing$": "<rootDir>/packages/core/src/testing/index.ts",
  "^@asynchat/decorators$": "<rootDir>/packages/decorators/src/index.ts",
};

const transform = (tsconfig: string): Config["transform"] => ({
  "^.+\\.ts$": ["ts-jest", { tsconfig, diagnostics: false }],
});

const config: Config = {
  testTimeout: 30_000,
  projects: [
    {
      displayName: "standard",
      testEnvironment: "node",
      roots: ["<rootDir>/packages", "<rootDir>/examples", "<rootDir>/test-support"],
      testMatch: ["**/*.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", "/dist/"],
      moduleNameMapper,
      transform: transform("<rootDir>/tsconfig.test.json"),
    },
    {
      displayName: "legacy-decorators",
      testEnvironment: "node",
      roots: ["<rootDir>/packages/decorators/test"],
      testMatch: ["**/dialect/**/*.test.ts"],
      moduleNameMapper,
      transform: transform("<rootDir>/tsconfig.legacy.json"),
    },
  ],
};

export default config;
