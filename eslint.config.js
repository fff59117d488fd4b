// ESLint (flat config): the recommended rules of ESLint and typescript-eslint, not the type-aware
// ones (they would make the lint several times slower). Layout is Prettier's job, so
// eslint-config-prettier comes last and turns off every rule that would disagree with it.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  globalIgnores(["lib/", "node_modules/", "coverage/", "bench/work/", ".mirror-cache/"]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_`-prefixed arguments and variables are unused on purpose (a callback's shape, a field
      // destructured out of an object). A caught error that is not used goes unnamed: `catch {`.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Tests handle webhook payloads and fakes as loosely typed JSON (`as any`, `Record<string, any>`).
    files: ["test/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  prettier,
);
