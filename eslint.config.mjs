// `npm run lint`. typescript-eslint, type-aware, with the rules Temporal's TypeScript samples use
// (samples-typescript's shared .eslintrc): no-floating-promises (a forgotten await on an activity or a workflow
// API is a bug), object-shorthand, unused variables allowed with a leading underscore, `any` allowed; and, for
// workflow code, its import restriction: no Node built-in module but assert (workflows run in a deterministic
// sandbox, bundled without them). The Temporal packages that only run outside that sandbox are refused too.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const ALLOWED_NODE_BUILTINS = new Set(['assert']);
const workflowRestrictedImports = [
  ...builtinModules.filter((m) => !ALLOWED_NODE_BUILTINS.has(m)).flatMap((m) => [m, `node:${m}`]),
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/testing',
].map((name) => ({ name, message: 'workflow code runs in the deterministic sandbox: only @temporalio/workflow and pure modules (type imports are fine)', allowTypeImports: true }));

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.temporal/**', 'test-artifacts/**', 'coverage/**', '.proto-jx/**', 'charts/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      'object-shorthand': ['error', 'always'],
      '@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      // The code states conditional steps as `ok && step()` / `c ? a() : b()`; a bare expression is still an error.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // Control characters are matched on purpose: ANSI escapes in terminal output, YAML's forbidden characters.
      'no-control-regex': 'off',
      // A `let` a callback reads before its one assignment (a test waiting for a value) stays a `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Tests match the CLI's column-aligned output as printed, spaces included.
    files: ['test/**/*.ts'],
    rules: { 'no-regex-spaces': 'off' },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: workflowRestrictedImports }] },
  },
  {
    // Plain Node scripts (bootstrap, build, bin): CommonJS.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
);
