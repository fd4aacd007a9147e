import { actionsListHref } from '../../src/actions/actions-list.js';
import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createProvider,
  createProviderLead,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { textOf } from '../support/review-fixtures.js';
import { requirementsInOrder, type World } from './returns-helpers.js';

// Issue 14: the actions list (/actions). Staff see every provider's actions, filtered by provider,
// standard, status and overdue, soonest due first, paged; a provider's people (leads and
// contributors) only their own providers', whatever the URL asks for.

let db: TestDatabase;
let w: World;
let contributorA: string;
const NOW = new Date('2027-01-15T10:00:00Z');
const ids: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  w = await createTwoProviderWorld(db.prisma);
  const contributor = await createProviderLead(db.prisma, w.providerA.id, {
    displayName: 'Cleo Contributor',
  });
  await db.prisma.membership.update({
    where: { userId_providerId: { userId: contributor.id, providerId: w.providerA.id } },
    data: { role: 'contributor' },
  });
  contributorA = contributor.id;
  const [ais] = await requirementsInOrder(db.prisma, w.ais.id);
  const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  const [eds1] = await requirementsInOrder(db.prisma, eds.id);
  if (!ais || !eds1) throw new Error('no requirements');
  const add = async (
    key: string,
    providerId: string,
    requirementId: string,
    data: { description: string; status: 'not_started' | 'in_progress' | 'done'; dueDate: string },
  ) => {
    const action = await db.prisma.action.create({
      data: {
        providerId,
        description: data.description,
        owner: `${key} owner`,
        status: data.status,
        dueDate: new Date(data.dueDate),
        links: { create: { requirementId } },
      },
    });
    ids[key] = action.id;
  };
  await add('a1', w.providerA.id, ais.id, {
    description: 'Alpha overdue training',
    status: 'not_started',
    dueDate: '2026-12-01',
  });
  await add('a2', w.providerA.id, eds1.id, {
    description: 'Alpha EDS engagement',
    status: 'in_progress',
    dueDate: '2027-03-01',
  });
  await add('a3', w.providerA.id, ais.id, {
    description: 'Alpha finished audit',
    status: 'done',
    dueDate: '2026-11-01',
  });
  await add('b1', w.providerB.id, ais.id, {
    description: 'Bravo private plan',
    status: 'not_started',
    dueDate: '2026-10-01',
  });
});
afterAll(async () => {
  await db.drop();
});

const app = () => buildTestApp(db, { clock: () => NOW });
const actionHref = (key: string) => `href="${pathTo(paths.actions.show, { actionId: ids[key] ?? '' })}"`;

test('staff of every role see every provider’s actions, soonest due first, each linked to it and its provider', async () => {
  for (const user of [w.admin, w.manager, w.viewer]) {
    const agent = await signedInAgent(app(), user.id);
    const page = await agent.get(paths.actions.list).expect(200);
    const order = ['b1', 'a3', 'a1', 'a2'].map((key) => page.text.indexOf(actionHref(key)));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    expect(page.text).toContain(`href="${pathTo(paths.providers.show, { providerId: w.providerB.id })}"`);
    const text = textOf(page.text);
    expect(text).toContain('Showing 1 to 4 of 4 actions');
    expect(text).toContain('Not started: 2');
    expect(text).toContain('In progress: 1');
    expect(text).toContain('Done: 1');
    expect(text).toContain('Overdue: 2');
    // Overdue in words and as a tag with its text; a done action is never overdue.
    expect(text).toContain('Due 1 December 2026: 45 days overdue');
    expect(text).toContain('Due 1 November 2026 Status Done Action');
  }
});

test('filters by provider, standard, status and overdue, as links that work without JavaScript', async () => {
  const agent = await signedInAgent(app(), w.manager.id);
  const shows = async (href: string, keys: string[]) => {
    const page = await agent.get(href).expect(200);
    for (const key of ['a1', 'a2', 'a3', 'b1'])
      expect([key, page.text.includes(actionHref(key))]).toEqual([key, keys.includes(key)]);
    return page;
  };
  await shows(actionsListHref({ provider: w.providerA.id }), ['a1', 'a2', 'a3']);
  await shows(actionsListHref({ standard: 'EDS' }), ['a2']);
  await shows(actionsListHref({ status: 'not_started' }), ['a1', 'b1']);
  const overdue = await shows(actionsListHref({ overdue: true }), ['a1', 'b1']);
  expect(overdue.text).toContain('checked');
  await shows(actionsListHref({ provider: w.providerA.id, overdue: true }), ['a1']);
  // What does not fit is ignored: every action, never an error.
  await shows(`${paths.actions.list}?status=nonsense&page=x&provider=1&overdue=maybe`, [
    'a1',
    'a2',
    'a3',
    'b1',
  ]);
  const none = await agent.get(actionsListHref({ standard: 'NOPE' })).expect(200);
  expect(textOf(none.text)).toContain('No actions match these filters.');
});

test('a provider’s lead and contributor see only their own provider’s actions, whatever the URL asks', async () => {
  for (const userId of [w.leadA.id, contributorA]) {
    const agent = await signedInAgent(app(), userId);
    for (const href of [
      paths.actions.list,
      actionsListHref({ provider: w.providerB.id }),
      actionsListHref({ overdue: true }),
    ]) {
      const page = await agent.get(href).expect(200);
      expect(page.text).not.toContain('Bravo');
      expect(page.text).not.toContain(actionHref('b1'));
    }
    const page = await agent.get(paths.actions.list).expect(200);
    expect(page.text).toContain(actionHref('a1'));
    expect(textOf(page.text)).toContain('Overdue: 1');
    // No register for provider people: their provider link narrows the list instead.
    expect(page.text).not.toContain(pathTo(paths.providers.show, { providerId: w.providerA.id }));
    expect(page.text).toContain(
      `href="${actionsListHref({ provider: w.providerA.id }).replace('&', '&amp;')}"`,
    );
  }
  const leadB = await signedInAgent(app(), w.leadB.id);
  const page = await leadB.get(actionsListHref({ provider: w.providerA.id })).expect(200);
  expect(page.text).not.toContain('Alpha');
  const own = await leadB.get(paths.actions.list).expect(200);
  expect(own.text).toContain(actionHref('b1'));
  expect(textOf(own.text)).toContain('Showing 1 to 1 of 1 action');
});

test('pages of 50 with counts, previous and next', async () => {
  const provider = await createProvider(db.prisma, { name: 'Charlie Practice' });
  await db.prisma.action.createMany({
    data: Array.from({ length: 52 }, (_, index) => ({
      providerId: provider.id,
      description: `Charlie action ${index + 1}`,
      dueDate: new Date(Date.UTC(2027, 5, 1 + index)),
    })),
  });
  const agent = await signedInAgent(app(), w.admin.id);
  const first = await agent.get(actionsListHref({ provider: provider.id })).expect(200);
  expect(textOf(first.text)).toContain('Showing 1 to 50 of 52 actions');
  const next = actionsListHref({ provider: provider.id, page: 2 });
  expect(first.text).toContain(`href="${next.replace('&', '&amp;')}"`);
  const second = await agent.get(next).expect(200);
  expect(textOf(second.text)).toContain('Showing 51 to 52 of 52 actions');
  expect(second.text).toContain('Charlie action 52');
  expect(second.text).not.toContain('Charlie action 50<');
  const beyond = await agent.get(actionsListHref({ provider: provider.id, page: 9 })).expect(200);
  expect(textOf(beyond.text)).toContain('There is no page 9');
});
