import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.data/', 'coverage/', 'jest.config.js', 'test/.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is bundled into Temporal's deterministic sandbox: no I/O, no Node built-ins.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@temporalio/activity',
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/testing',
              ],
              message: 'Not allowed in workflow code.',
            },
            {
              group: [
                'node:*',
                'fs',
                'path',
                'http',
                'https',
                'child_process',
                'openai',
                '../activities/*',
                '../src/openai/*',
                '../src/simulator/*',
              ],
              message: 'Workflows must stay deterministic: do I/O in activities.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  prettier,
);
