import type supertest from 'supertest';
import type { TestIdp } from './idp.js';

type Agent = ReturnType<typeof supertest.agent>;

/**
 * Walks the whole authorization-code flow as a browser would: the app's /sign-in redirects to the
 * identity provider, which (with its own cookies) signs in the user named by login_hint and
 * redirects back to the app's callback, which the agent then calls. Returns the callback's response.
 */
export async function signInThroughIdp(agent: Agent, idp: TestIdp, email: string) {
  const start = await agent.get(`/sign-in?login_hint=${encodeURIComponent(email)}`).expect(302);
  const callbackUrl = await followIdpRedirects(String(start.headers.location), idp);
  const callback = new URL(callbackUrl);
  return agent.get(`${callback.pathname}${callback.search}`);
}

/** Follows redirects inside the IdP, keeping its cookies, until one leaves it; returns that URL. */
export async function followIdpRedirects(firstUrl: string, idp: TestIdp): Promise<string> {
  const cookies = new Map<string, string>();
  let url = firstUrl;
  for (let hop = 0; hop < 10; hop++) {
    if (!url.startsWith(idp.authority)) return url;
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const [name = '', ...value] = pair.split('=');
      cookies.set(name.trim(), value.join('='));
    }
    const location = response.headers.get('location');
    if (!location)
      throw new Error(`IdP answered ${response.status} without a redirect: ${await response.text()}`);
    url = new URL(location, url).toString();
  }
  throw new Error('Too many redirects at the IdP');
}
