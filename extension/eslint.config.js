// ESLint for the extension: `npx eslint --max-warnings 0 .` (tests/run.sh runs it).
import js from '@eslint/js';

export default [
  { ignores: ['dist/', 'dist-test/', 'node_modules/', 'src/generated/'] },
  js.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // tsc --checkJs already reports every undefined name, with the real browser and node types.
      'no-undef': 'off',
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
      eqeqeq: 'error',
      'no-var': 'error',
      'prefer-const': 'error',
      'no-implicit-coercion': 'error',
      'no-shadow': 'error',
      'no-param-reassign': 'error',
      'no-console': 'error',
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-restricted-properties': ['error',
        { object: 'document', property: 'write', message: 'the window builds its DOM with textContent only' }],
      'no-restricted-syntax': ['error',
        { selector: "AssignmentExpression[left.property.name='innerHTML']", message: 'use textContent: page-chosen text must never become markup' }],
    },
  },
  {
    // Command-line tools report on the console.
    files: ['build.mjs'],
    rules: { 'no-console': 'off' },
  },
  {
    // Classic scripts: the worker's entry (background.js).
    files: ['src/background.js'],
    languageOptions: { sourceType: 'script' },
  },
];
