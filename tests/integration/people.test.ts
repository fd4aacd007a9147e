import supertest from 'supertest';
import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, csrfTokenFrom, postWithCsrf, signedInAgent, type Agent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { pdfFile } from '../support/evidence-files.js';
import { createProviderLead, createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import { invite, linkInLatestEmail } from '../support/people.js';
import {
  answerEveryRequirement,
  answerFields,
  formVersion,
  freshReturns,
  requirementPath,
  requirementsInOrder,
  type World,
} from './returns-helpers.js';

// A provider's people: its leads invite and remove its contributors (and only those, and only its
// own); staff invite and remove anyone; contributors answer and upload, a lead submits.

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let world: World;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  app = buildTestApp(db);
});
afterAll(async () => {
  await db.drop();
});

async function contributorOf(providerId: string, overrides: Parameters<typeof createProviderLead>[2] = {}) {
  const user = await createProviderLead(db.prisma, providerId, overrides);
  await db.prisma.membership.update({
    where: { userId_providerId: { userId: user.id, providerId } },
    data: { role: 'contributor' },
  });
  return user;
}

const invitePage = (providerId: string) => pathTo(paths.people.invite, { providerId });
const removePage = (providerId: string, userId: string) =>
  pathTo(paths.people.remove, { providerId, userId });
const resendPage = (providerId: string, userId: string) =>
  pathTo(paths.people.resend, { providerId, userId });

/** Everything about who has access, to show that a refused request changed none of it. */
async function accessState() {
  return {
    users: await db.prisma.user.findMany({ select: { id: true, email: true }, orderBy: { id: 'asc' } }),
    memberships: await db.prisma.membership.findMany({ orderBy: [{ userId: 'asc' }, { providerId: 'asc' }] }),
    links: await db.prisma.emailLink.count(),
    outbox: await db.prisma.outboxEmail.count(),
  };
}

describe('a lead manages their own provider’s contributors', () => {
  test('the lead invites a contributor: the invitation goes to the outbox with its link and the way to sign in', async () => {
    const lead = await signedInAgent(app, world.leadA.id);
    const people = await lead.get(paths.people.mine).expect(200);
    expect(people.text).toContain('<h1>People</h1>');
    expect(people.text).toContain('Invite a contributor');
    expect(people.text).toContain(world.leadA.displayName);

    const form = await lead.get(invitePage(world.providerA.id)).expect(200);
    expect(form.text).toContain('Invite a contributor to Alpha Hospitals NHS Trust');
    expect(form.text).not.toContain('name="role"');
    expect(form.text).toContain('How will they sign in?');
    const response = await lead
      .post(invitePage(world.providerA.id))
      .type('form')
      .send({
        _csrf: csrfTokenFrom(form.text),
        email: 'Chris.Contributor@Alpha.example.nhs.uk',
        displayName: 'Chris Contributor',
        signInMethod: 'email_link',
      });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(`${paths.people.mine}?done=invited#people`);

    const invited = await db.prisma.user.findUniqueOrThrow({
      where: { email: 'chris.contributor@alpha.example.nhs.uk' },
      include: { memberships: true },
    });
    expect(invited).toMatchObject({ role: 'provider_lead', signInMethod: 'email_link', entraObjectId: null });
    expect(invited.memberships).toEqual([
      expect.objectContaining({ providerId: world.providerA.id, role: 'contributor' }),
    ]);
    const email = await db.prisma.outboxEmail.findFirstOrThrow({ where: { toAddress: invited.email } });
    expect(email).toMatchObject({
      status: 'pending',
      subject: 'Invitation: Alpha Hospitals NHS Trust on Accessible information and equality compliance',
    });
    expect(email.textBody).toContain(`${world.leadA.displayName} has invited you`);
    expect(email.textBody).toContain('as a contributor for Alpha Hospitals NHS Trust');
    expect(email.textBody).toContain(
      'http://localhost:3000/sign-in and choose to get a sign-in link by email',
    );
    expect(await linkInLatestEmail(db, invited.email)).toMatch(/^\/invitation\?token=/);

    const after = await lead.get(`${paths.people.mine}?done=invited`).expect(200);
    expect(after.text).toContain('The invitation has been sent by email.');
    expect(after.text).toMatch(
      /Chris Contributor[\s\S]*?Contributor[\s\S]*?Email link[\s\S]*?not accepted yet[\s\S]*?Not yet/,
    );
  });

  test('a lead invites no leads and removes no leads; a contributor does neither; another provider’s lead finds nothing', async () => {
    const contributor = await contributorOf(world.providerA.id, { displayName: 'Cam Contributor' });
    const otherLeadOfA = await createProviderLead(db.prisma, world.providerA.id, {
      displayName: 'Lee Second-Lead',
    });
    const lead = await signedInAgent(app, world.leadA.id);
    const asContributor = await signedInAgent(app, contributor.id);
    const leadOfB = await signedInAgent(app, world.leadB.id);
    const before = await accessState();
    const fields = { email: 'someone@example.org', signInMethod: 'microsoft', role: 'contributor' };

    expect(
      (await postWithCsrf(lead, invitePage(world.providerA.id), { ...fields, role: 'lead' })).status,
    ).toBe(403);
    expect((await lead.get(removePage(world.providerA.id, otherLeadOfA.id))).status).toBe(403);
    expect((await postWithCsrf(lead, removePage(world.providerA.id, otherLeadOfA.id))).status).toBe(403);

    expect((await asContributor.get(invitePage(world.providerA.id))).status).toBe(403);
    expect((await postWithCsrf(asContributor, invitePage(world.providerA.id), fields)).status).toBe(403);
    expect((await postWithCsrf(asContributor, removePage(world.providerA.id, contributor.id))).status).toBe(
      403,
    );
    const contributorsPage = await asContributor.get(paths.people.mine).expect(200);
    expect(contributorsPage.text).not.toContain('Invite a contributor');
    expect(contributorsPage.text).not.toContain('>Remove<');

    expect((await leadOfB.get(invitePage(world.providerA.id))).status).toBe(404);
    expect((await postWithCsrf(leadOfB, invitePage(world.providerA.id), fields)).status).toBe(404);
    expect((await postWithCsrf(leadOfB, removePage(world.providerA.id, contributor.id))).status).toBe(404);
    expect((await leadOfB.get(resendPage(world.providerA.id, contributor.id))).status).toBe(404);
    expect((await leadOfB.get(paths.people.mine)).text).not.toContain('Cam Contributor');

    expect(await accessState()).toEqual(before);
  });

  test('removing a contributor ends their sessions at once, and is audited', async () => {
    const contributor = await contributorOf(world.providerA.id, { displayName: 'Robin Removed' });
    const theirBrowser = await signedInAgent(app, contributor.id);
    const theirPhone = await signedInAgent(app, contributor.id);
    await theirBrowser.get(paths.home).expect(200);
    const sessionsOf = async () =>
      Number(
        (
          await db.prisma.$queryRaw<{ n: bigint }[]>`
            SELECT count(*) AS n FROM user_sessions WHERE sess->>'userId' = ${contributor.id}`
        )[0]?.n,
      );
    expect(await sessionsOf()).toBe(2);

    const lead = await signedInAgent(app, world.leadA.id);
    const confirm = await lead.get(removePage(world.providerA.id, contributor.id)).expect(200);
    expect(confirm.text).toContain('Remove Robin Removed from Alpha Hospitals NHS Trust');
    const removed = await lead
      .post(removePage(world.providerA.id, contributor.id))
      .type('form')
      .send({ _csrf: csrfTokenFrom(confirm.text) });
    expect(removed.headers.location).toBe(`${paths.people.mine}?done=removed#people`);

    expect(await sessionsOf()).toBe(0);
    for (const agent of [theirBrowser, theirPhone]) {
      expect((await agent.get(paths.home)).headers.location).toBe(paths.signIn);
    }
    expect(await db.prisma.membership.count({ where: { userId: contributor.id } })).toBe(0);
    const audit = await db.prisma.auditEvent.findFirstOrThrow({
      where: { entityId: contributor.id, action: 'user.membership_removed' },
    });
    expect(audit).toMatchObject({
      actorId: world.leadA.id,
      before: { providerIds: [world.providerA.id], membershipRole: 'contributor' },
      after: { providerIds: [] },
    });
  });

  test('sending an invitation again makes the earlier link stop working', async () => {
    const address = 'resend.me@alpha.example.nhs.uk';
    const { userId } = await invite(db, {
      providerId: world.providerA.id,
      email: address,
      role: 'contributor',
    });
    const first = await linkInLatestEmail(db, address);
    const lead = await signedInAgent(app, world.leadA.id);
    const confirm = await lead.get(resendPage(world.providerA.id, userId)).expect(200);
    const resent = await lead
      .post(resendPage(world.providerA.id, userId))
      .type('form')
      .send({ _csrf: csrfTokenFrom(confirm.text) });
    expect(resent.headers.location).toBe(`${paths.people.mine}?done=resent#people`);
    const second = await linkInLatestEmail(db, address);
    expect(second).not.toBe(first);
    expect((await supertest(app).get(first)).status).toBe(410);
    expect((await supertest(app).get(second)).status).toBe(200);
  });
});

describe('staff see and manage anyone’s people on the provider’s page', () => {
  test('who has access, how each signs in and when they last did; editors act, viewers look', async () => {
    await db.prisma.user.update({
      where: { id: world.leadB.id },
      data: {
        lastSignInAt: new Date('2026-11-30T10:15:00Z'),
        entraTenantId: '3a1b2c3d-0000-4000-8000-00000000000a',
        entraObjectId: 'oid-lead-b',
      },
    });
    const emailPerson = await contributorOf(world.providerB.id, {
      displayName: 'Eve Emailer',
      signInMethod: 'email_link',
      lastSignInAt: new Date('2026-12-01T09:00:00Z'),
    });
    const providerPage = pathTo(paths.providers.show, { providerId: world.providerB.id });
    const manager = await signedInAgent(app, world.manager.id);
    const page = await manager.get(providerPage).expect(200);
    expect(page.text).toContain('Who has access');
    expect(page.text).toMatch(
      /Ben Lead-B[\s\S]*?Provider lead[\s\S]*?Microsoft account \(another organisation\)[\s\S]*?Active[\s\S]*? on 30 November 2026/,
    );
    expect(page.text).toMatch(/Eve Emailer[\s\S]*?Contributor[\s\S]*?Email link[\s\S]*? on 1 December 2026/);
    expect(page.text).toContain(`href="${removePage(world.providerB.id, emailPerson.id)}"`);
    expect(page.text).toContain('Invite someone');

    const form = await manager.get(invitePage(world.providerB.id)).expect(200);
    expect(form.text).toContain('What will they do?');
    const invited = await manager
      .post(invitePage(world.providerB.id))
      .type('form')
      .send({
        _csrf: csrfTokenFrom(form.text),
        email: 'new.lead@bravo.example',
        role: 'lead',
        signInMethod: 'microsoft',
      });
    expect(invited.headers.location).toBe(`${providerPage}?done=invited#people`);
    const incomplete = await postWithCsrf(manager, invitePage(world.providerB.id), {
      email: 'x@bravo.example',
    });
    expect(incomplete.status).toBe(400);
    expect(incomplete.text).toContain('<a href="#role">Select what they will do</a>');
    expect(incomplete.text).toContain('<a href="#signInMethod">Select how they will sign in</a>');
    expect(incomplete.text).toContain('value="x@bravo.example"');

    const viewer = await signedInAgent(app, world.viewer.id);
    const viewed = await viewer.get(providerPage).expect(200);
    expect(viewed.text).toContain('Eve Emailer');
    expect(viewed.text).not.toContain('Invite someone');
    expect(viewed.text).not.toContain(`href="${removePage(world.providerB.id, emailPerson.id)}"`);
    expect((await viewer.get(invitePage(world.providerB.id))).status).toBe(403);
    expect((await viewer.get(paths.people.mine)).headers.location).toBe(paths.providers.list);
  });
});

describe('contributors answer and upload; a lead submits', () => {
  test('the contributor saves an answer and adds evidence but cannot submit; the lead then submits', async () => {
    const { returnA } = await freshReturns(db.prisma, world);
    const contributor = await contributorOf(world.providerA.id, { displayName: 'Ali Answerer' });
    const agent: Agent = await signedInAgent(app, contributor.id);
    const [first] = await requirementsInOrder(db.prisma, returnA.frameworkVersionId);
    if (!first) throw new Error('no requirements');
    const level = first.ratingScale.levels[0]?.code ?? '';

    const form = await agent.get(requirementPath(returnA.id, first.id)).expect(200);
    const saved = await agent
      .post(requirementPath(returnA.id, first.id))
      .type('form')
      .send({
        _csrf: csrfTokenFrom(form.text),
        ...answerFields({ rating: level, narrative: 'Written by a contributor', action: 'draft' }),
        version: formVersion(form.text),
      });
    expect(saved.status).toBe(302);
    const evidencePage = pathTo(paths.evidence.upload, { returnId: returnA.id, requirementId: first.id });
    const upload = await agent
      .post(evidencePage)
      .field('_csrf', csrfTokenFrom((await agent.get(evidencePage).expect(200)).text))
      .attach('file', pdfFile(), 'Contributor policy.pdf');
    expect(upload.status).toBe(302);
    expect(await db.prisma.evidence.count({ where: { uploadedById: contributor.id } })).toBe(1);

    await answerEveryRequirement(db.prisma, returnA, contributor.id);
    const check = pathTo(paths.returns.checkAnswers, { returnId: returnA.id });
    const checkPage = await agent.get(check).expect(200);
    expect(checkPage.text).toContain('A lead of Alpha Hospitals NHS Trust submits this return');
    expect(checkPage.text).not.toContain('Submit return');
    const submit = pathTo(paths.returns.submit, { returnId: returnA.id });
    const refused = await agent
      .post(submit)
      .type('form')
      .send({ _csrf: csrfTokenFrom(checkPage.text), declaration: 'confirmed' });
    expect(refused.status).toBe(403);
    expect((await db.prisma.return.findUniqueOrThrow({ where: { id: returnA.id } })).status).toBe(
      'in_progress',
    );

    const lead = await signedInAgent(app, world.leadA.id);
    const leadCheck = await lead.get(check).expect(200);
    expect(leadCheck.text).toContain('Submit return');
    const submitted = await lead
      .post(submit)
      .type('form')
      .send({ _csrf: csrfTokenFrom(leadCheck.text), declaration: 'confirmed' });
    expect(submitted.status).toBe(302);
    expect((await db.prisma.return.findUniqueOrThrow({ where: { id: returnA.id } })).status).toBe(
      'submitted',
    );
  });
});
