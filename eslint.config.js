import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'src/generated/', '.data/', 'public/', 'node_modules/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.strictTypeChecked, ...tseslint.configs.stylisticTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Express handlers are async; Express 5 forwards their rejections to the error handler.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  {
    // One rule for forms: routes read a request's fields through formBody / queryFields (src/forms.ts)
    // and validate them with the feature's zod schema at the route edge; services take typed values.
    files: ['src/**/*.ts'],
    ignores: ['src/forms.ts', 'src/middleware/form-parsing.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='body'][object.name='req']",
          message: 'Read the form with formBody(req) from src/forms.ts.',
        },
        {
          selector: "TSAsExpression > TSTypeReference[typeName.name='Record'] TSUnknownKeyword",
          message: 'Validate with a zod schema instead of casting to Record<string, unknown>.',
        },
      ],
    },
  },
  { files: ['**/*.{js,mjs}'], languageOptions: { globals: globals.node } },
  prettier,
);
