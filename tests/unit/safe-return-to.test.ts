import { safeReturnTo } from '../../src/auth/safe-return-to.js';

describe('safeReturnTo (no open redirect after sign-in)', () => {
  test.each(['/', '/returns', '/returns/abc?tab=1#answers'])('keeps the local path %s', (path) => {
    expect(safeReturnTo(path, '/home')).toBe(path);
  });

  test.each([
    'https://evil.example.com/',
    '//evil.example.com/path',
    '/\\evil.example.com',
    '\\\\evil.example.com',
    'javascript:alert(1)',
    '/\t/evil.example.com',
    '/\n/evil.example.com',
    '/\r\n//evil.example.com',
    ' //evil.example.com',
    '/ /evil.example.com',
    '',
    undefined,
  ])('refuses %j and falls back', (candidate) => {
    expect(safeReturnTo(candidate, '/home')).toBe('/home');
  });
});
