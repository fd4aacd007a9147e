import { randomUUID } from 'node:crypto';
import type supertest from 'supertest';
import type { Db } from '../../src/db/prisma.js';
import { sha256 } from '../../src/hash.js';
import { pathTo, paths } from '../../src/paths.js';
import { csrfTokenFrom } from '../support/app.js';
import { createPeriod, createReturn, type createTwoProviderWorld } from '../support/fixtures.js';

// Shared by the returns-*.test.ts files: the requirements of a return in task-list order, answers
// written straight into the database, and forms posted the way a browser posts them.

export type Agent = ReturnType<typeof supertest.agent>;

export type World = Awaited<ReturnType<typeof createTwoProviderWorld>>;

/**
 * New AIS 2025 returns for providers A and B of a world, in a period of their own, so each test
 * starts from untouched returns while the world (and its users) is built once per file.
 */
export async function freshReturns(prisma: Db, world: World) {
  const period = await createPeriod(prisma, `Test ${randomUUID().slice(0, 8)}`);
  const returnFor = (contract: { id: string; providerId: string }) =>
    createReturn(prisma, {
      contractId: contract.id,
      providerId: contract.providerId,
      frameworkVersionId: world.ais.id,
      periodId: period.id,
    });
  return { period, returnA: await returnFor(world.contractA), returnB: await returnFor(world.contractB) };
}

/** The table row (or task list item) of a page that links to `href`. */
export function rowLinking(html: string, href: string, end = '</tr>'): string {
  const at = html.indexOf(`href="${href}"`);
  if (at < 0) throw new Error(`Nothing on the page links to ${href}`);
  return html.slice(
    Math.max(html.lastIndexOf('<tr', at), html.lastIndexOf('<li', at)),
    html.indexOf(end, at),
  );
}

export function requirementsInOrder(prisma: Db, frameworkVersionId: string) {
  return prisma.requirement.findMany({
    where: { frameworkVersionId },
    include: {
      ratingScale: { include: { levels: { orderBy: { position: 'asc' } } } },
      group: { select: { code: true } },
      frameworkVersion: { select: { perServiceGroupCode: true } },
    },
    orderBy: [{ group: { position: 'asc' } }, { position: 'asc' }, { code: 'asc' }],
  });
}

/**
 * Completes every response of a return (rating: the scale's first level) as a lead would have: a
 * requirement answered per service once for each of the return's services (its first, made by the
 * database as "All services", when it names none).
 */
export async function answerEveryRequirement(
  prisma: Db,
  ret: { id: string; frameworkVersionId: string },
  updatedById: string,
): Promise<void> {
  const services = await prisma.returnService.findMany({ where: { returnId: ret.id }, select: { id: true } });
  for (const requirement of await requirementsInOrder(prisma, ret.frameworkVersionId)) {
    const level = requirement.ratingScale.levels[0];
    if (!level) throw new Error(`No levels on the scale of ${requirement.code}`);
    const perService = requirement.group.code === requirement.frameworkVersion.perServiceGroupCode;
    for (const serviceId of perService && services.length > 0
      ? services.map((service) => service.id)
      : [null]) {
      const answer = { ratingLevelId: level.id, narrative: `Narrative for ${requirement.code}`, updatedById };
      const existing = await prisma.response.findFirst({
        where: { returnId: ret.id, requirementId: requirement.id, ...(serviceId ? { serviceId } : {}) },
        select: { id: true },
      });
      if (existing) await prisma.response.update({ where: { id: existing.id }, data: answer });
      else
        await prisma.response.create({
          data: { returnId: ret.id, requirementId: requirement.id, serviceId, ...answer },
        });
    }
  }
  await prisma.return.update({
    where: { id: ret.id },
    data: { status: 'in_progress', startedAt: new Date() },
  });
}

export const returnPath = (returnId: string) => pathTo(paths.returns.show, { returnId });

export const requirementPath = (returnId: string, requirementId: string) =>
  pathTo(paths.returns.requirement, { returnId, requirementId });

/** Takes the CSRF token from `formPage` (any page of the agent's session) and posts the fields. */
export async function postForm(
  agent: Agent,
  formPage: string,
  action: string,
  fields: Record<string, string>,
): Promise<supertest.Response> {
  const page = await agent.get(formPage);
  return agent
    .post(action)
    .type('form')
    .send({ _csrf: csrfTokenFrom(page.text), ...fields });
}

/** The answer form's fields as a browser sends them. */
export function answerFields(fields: Partial<Record<string, string>> = {}): Record<string, string> {
  return {
    rating: '',
    narrative: '',
    action: 'continue',
    ...Object.fromEntries(
      Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
  };
}

/** The version the requirement page's form carries. */
export function formVersion(html: string): string {
  const match = /name="version" value="(\d+)"/.exec(html);
  if (!match?.[1]) throw new Error('No version field on the page');
  return match[1];
}

/** An evidence file of the provider linked to one response, as an upload and link would leave it. */
export async function addEvidence(
  prisma: Db,
  options: {
    providerId: string;
    responseId: string;
    userId: string;
    fileName: string;
    coversFrom?: Date;
    coversTo?: Date;
  },
) {
  const content = Buffer.from(`Evidence ${options.fileName} ${randomUUID()}`);
  const digest = sha256(content);
  await prisma.evidenceFile.create({
    data: {
      sha256: digest,
      content,
      sizeBytes: content.byteLength,
      mediaType: 'text/plain',
      scanStatus: 'unscanned',
    },
  });
  const evidence = await prisma.evidence.create({
    data: {
      providerId: options.providerId,
      fileSha256: digest,
      fileName: options.fileName,
      coversFrom: options.coversFrom ?? null,
      coversTo: options.coversTo ?? null,
      uploadedById: options.userId,
    },
  });
  await prisma.evidenceLink.create({
    data: { evidenceId: evidence.id, responseId: options.responseId, linkedById: options.userId },
  });
  return { ...evidence, sha256: digest };
}
