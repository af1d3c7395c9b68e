// The code linter of `npm run lint`: ESLint's and typescript-eslint's recommended rules, formatting
// left to Prettier (eslint-config-prettier), and lines kept within Prettier's width. Types are checked
// by `npm run typecheck`, so the rules here need no type information and run in seconds.
import eslint from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import prettier from 'eslint-config-prettier';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import prettierOptions from './.prettierrc.json' with { type: 'json' };

export default defineConfig(
  globalIgnores(['generated/', '**/dist/', 'node_modules/', 'test-output/', 'data/', '.tmp/']),
  eslint.configs.recommended,
  tseslint.configs.recommended,
  prettier,
  {
    plugins: { '@stylistic': stylistic },
    rules: {
      // Prettier does not break strings, template literals or regular expressions; the rest must fit.
      '@stylistic/max-len': [
        'error',
        {
          code: prettierOptions.printWidth,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
          ignoreUrls: true,
        },
      ],
      // A leading underscore marks a name left unused on purpose (a rest sibling dropping properties, a
      // parameter an interface requires).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Express's request and response types are extended by declaration merging (server/http/locals.ts).
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
    },
  },
  {
    // Tests read JSON answers whose shape is what they assert; typing each one first would say nothing more.
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  { files: ['**/*.mjs'], languageOptions: { globals: globals.node } },
  { files: ['server/try-it/**/*.js'], languageOptions: { globals: globals.browser } },
);
