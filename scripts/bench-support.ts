import { paths } from '../src/paths.js';
import { csrfTokenFrom } from '../tests/support/app.js';

/** Signs in through the local sign-in form and returns the session cookie. */
export async function signIn(base: string, userId: string): Promise<string> {
  const page = await fetch(`${base}${paths.localSignIn}`);
  const cookie = (page.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
  const token = csrfTokenFrom(await page.text());
  const response = await fetch(`${base}${paths.localSignIn}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, userId }).toString(),
  });
  return (response.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
}
