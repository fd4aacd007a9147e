import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import { textOf } from '../support/review-fixtures.js';
import { postForm, requirementPath, requirementsInOrder, type World } from './returns-helpers.js';

// Issue 14: actions are records of their own. A provider's people add one from a requirement of a
// return (or link one they have), record dated progress updates with status changes; the page of
// every requirement it serves lists it; other providers never see it; viewers only read it.

let db: TestDatabase;
let w: World;
const NOW = new Date('2027-01-15T10:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  w = await createTwoProviderWorld(db.prisma);
});
afterAll(async () => {
  await db.drop();
});

const app = () => buildTestApp(db, { clock: () => NOW });
const addPath = (returnId: string, requirementId: string) =>
  pathTo(paths.actions.add, { returnId, requirementId });
const actionPath = (actionId: string) => pathTo(paths.actions.show, { actionId });

test('a lead adds an action from a requirement, with errors kept, and it is listed there', async () => {
  const [first] = await requirementsInOrder(db.prisma, w.ais.id);
  if (!first) throw new Error('no requirements');
  const lead = await signedInAgent(app(), w.leadA.id);
  const page = addPath(w.returnA.id, first.id);

  const bad = await postForm(lead, page, page, {
    description: '  ',
    owner: 'Practice <manager>',
    'dueDate-day': '31',
    'dueDate-month': '2',
    'dueDate-year': '2027',
  });
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('<a href="#description">Enter what the action is</a>');
  expect(bad.text).toContain('<a href="#dueDate-day">Due date must be a real date</a>');
  expect(bad.text).toContain('value="Practice &lt;manager&gt;"');
  expect(await db.prisma.action.count()).toBe(0);

  const good = await postForm(lead, page, page, {
    description: 'Train reception staff to record communication needs',
    owner: 'Practice manager',
    'dueDate-day': '30',
    'dueDate-month': '9',
    'dueDate-year': '2027',
  });
  expect(good.status).toBe(302);
  expect(good.headers.location).toBe(`${requirementPath(w.returnA.id, first.id)}#actions`);
  const action = await db.prisma.action.findFirstOrThrow({ include: { links: true } });
  expect(action).toMatchObject({
    providerId: w.providerA.id,
    owner: 'Practice manager',
    dueDate: new Date('2027-09-30'),
    status: 'not_started',
    createdById: w.leadA.id,
  });
  expect(action.links).toEqual([
    expect.objectContaining({ requirementId: first.id, returnId: w.returnA.id, linkedById: w.leadA.id }),
  ]);
  const audit = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'action.created' } });
  expect(audit).toMatchObject({ entityId: action.id, returnId: w.returnA.id, actorId: w.leadA.id });

  const requirement = await lead.get(requirementPath(w.returnA.id, first.id)).expect(200);
  expect(requirement.text).toContain(`href="${actionPath(action.id)}"`);
  expect(textOf(requirement.text)).toContain('Due 30 September 2027. Owner: Practice manager');
});

test('an open action is linked to another requirement (another standard too) and listed on each', async () => {
  const [, second] = await requirementsInOrder(db.prisma, w.ais.id);
  if (!second) throw new Error('no requirements');
  const action = await db.prisma.action.findFirstOrThrow();
  const lead = await signedInAgent(app(), w.leadA.id);
  const page = addPath(w.returnA.id, second.id);
  const form = await lead.get(page).expect(200);
  expect(form.text).toContain(`value="${action.id}"`);

  const none = await postForm(
    lead,
    page,
    pathTo(paths.actions.link, { returnId: w.returnA.id, requirementId: second.id }),
    {},
  );
  expect(none.status).toBe(400);
  expect(none.text).toContain('Select an action to link');

  // Another provider's action cannot be linked, whatever is posted.
  const other = await db.prisma.action.create({
    data: { providerId: w.providerB.id, description: 'B only', owner: 'B', dueDate: new Date('2027-05-01') },
  });
  const refused = await postForm(
    lead,
    page,
    pathTo(paths.actions.link, { returnId: w.returnA.id, requirementId: second.id }),
    { actionId: other.id },
  );
  expect(refused.status).toBe(400);

  const linked = await postForm(
    lead,
    page,
    pathTo(paths.actions.link, { returnId: w.returnA.id, requirementId: second.id }),
    { actionId: action.id },
  );
  expect(linked.status).toBe(302);
  expect(await db.prisma.actionLink.count({ where: { actionId: action.id } })).toBe(2);
  const shown = await lead.get(requirementPath(w.returnA.id, second.id)).expect(200);
  expect(shown.text).toContain(`href="${actionPath(action.id)}"`);
});

test('a progress update changes the status, dated and audited; a viewer reads but cannot post', async () => {
  const action = await db.prisma.action.findFirstOrThrow({ where: { providerId: w.providerA.id } });
  const lead = await signedInAgent(app(), w.leadA.id);
  const page = actionPath(action.id);
  const update = pathTo(paths.actions.update, { actionId: action.id });

  const empty = await postForm(lead, page, update, { text: '', status: 'unchanged' });
  expect(empty.status).toBe(400);
  expect(empty.text).toContain('Enter the progress update');

  const posted = await postForm(lead, page, update, {
    text: '12 of 20 staff trained',
    status: 'in_progress',
  });
  expect(posted.status).toBe(302);
  expect(await db.prisma.action.findUniqueOrThrow({ where: { id: action.id } })).toMatchObject({
    status: 'in_progress',
    updatedAt: NOW,
  });
  const shown = textOf((await lead.get(page).expect(200)).text);
  expect(shown).toContain('Status changed from Not started to In progress');
  expect(shown).toContain('12 of 20 staff trained');
  expect(
    await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'action.updated', entityId: action.id } }),
  ).toMatchObject({ before: { status: 'not_started' }, after: { status: 'in_progress' } });

  const viewer = await signedInAgent(app(), w.viewer.id);
  const read = await viewer.get(page).expect(200);
  expect(read.text).not.toContain('Add a progress update');
  const csrfPage = await viewer.get(paths.home);
  expect(csrfPage.status).toBe(200);
  const refused = await postForm(viewer, page, update, { text: 'Viewer note', status: 'done' });
  expect(refused.status).toBe(403);

  // Another provider's lead learns nothing: not found, to read or to change.
  const leadB = await signedInAgent(app(), w.leadB.id);
  await leadB.get(page).expect(404);
  const hidden = await postForm(leadB, paths.home, update, { text: 'B note', status: 'done' });
  expect(hidden.status).toBe(404);
  expect(await db.prisma.actionUpdate.count({ where: { actionId: action.id } })).toBe(1);
});
