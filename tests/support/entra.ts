import type supertest from 'supertest';
import { paths } from '../../src/paths.js';
import { csrfTokenFrom } from './app.js';
import type { TestIdp } from './idp.js';

type Agent = ReturnType<typeof supertest.agent>;

/**
 * Walks the whole authorization-code flow as a browser would: the app's Microsoft sign-in redirects
 * to the identity provider, which (with its own cookies) signs in the user named by login_hint and
 * redirects back to the app's callback, which the agent then calls. Returns the callback's response.
 */
export async function signInThroughIdp(agent: Agent, idp: TestIdp, email: string) {
  const start = await agent.get(`${paths.entraSignIn}?login_hint=${encodeURIComponent(email)}`).expect(302);
  return finishAtIdp(agent, idp, String(start.headers.location));
}

/**
 * Accepts an invitation as its invitee would: opens the link (a path with its token), presses
 * "Accept and sign in with Microsoft", and signs in at the identity provider as `email`.
 */
export async function acceptInvitationThroughIdp(agent: Agent, idp: TestIdp, link: string, email: string) {
  const page = await agent.get(link).expect(200);
  const token = new URL(link, 'http://app.test').searchParams.get('token') ?? '';
  const accepted = await agent
    .post(paths.invitation)
    .type('form')
    .send({ _csrf: csrfTokenFrom(page.text), token })
    .expect(302);
  // The app sends the browser on to its Microsoft sign-in; the test names who signs in there.
  const start = await agent.get(`${paths.entraSignIn}?login_hint=${encodeURIComponent(email)}`).expect(302);
  expect(String(accepted.headers.location)).toMatch(new RegExp(`^${paths.entraSignIn}\\?login_hint=`));
  return finishAtIdp(agent, idp, String(start.headers.location));
}

async function finishAtIdp(agent: Agent, idp: TestIdp, location: string) {
  const callbackUrl = await followIdpRedirects(location, idp);
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
