// ESLint flat config: the recommended JavaScript and typescript-eslint rule sets, without
// type-aware rules so `npm run lint` takes seconds; `tsc --noEmit` does the type checking.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // Installed, generated or downloaded content, test data, and the CLI's default output folders.
  globalIgnores(['node_modules/', '.venv/', '.trino/', 'tests/fixtures/', 'out/', '.lake/', 'demo/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      globals: { ...globals.node },
    },
    rules: {
      // A function-scoped require() is how this code loads heavy modules (DuckDB, the AWS SDK
      // clients, the Spark adapter) only on the path that needs them, typed with
      // `as typeof import(...)`; a dynamic import() would make every such caller async.
      '@typescript-eslint/no-require-imports': 'off',
      // A leading underscore marks a parameter or binding kept for its position or to drop a
      // property from a rest copy (`const { a: _a, ...rest } = x`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // The JSON and CSV code validates and escapes control characters on purpose, and its tests
      // match them; every regex this rule flags here is such a deliberate character class.
      'no-control-regex': 'off',
    },
  },
  {
    // The CLI launcher is plain CommonJS run by node before tsx is loaded.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
