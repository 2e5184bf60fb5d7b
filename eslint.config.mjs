import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/** What workflow code may not import (it runs in Temporal's deterministic sandbox). */
const workflowImports = [
  {
    group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing'],
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
];

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
    rules: { 'no-restricted-imports': ['error', { patterns: workflowImports }] },
  },
  {
    // The workflows' state and inputs are pure, unit-tested without Temporal: no Temporal at all.
    files: ['workflows/run-state.ts', 'workflows/question-state.ts', 'workflows/inputs.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...workflowImports,
            { group: ['@temporalio/*'], message: 'Pure module: the workflow applies its decisions.' },
          ],
        },
      ],
    },
  },
  prettier,
);
