import { recordAudit } from '../audit/audit.js';
import { canEditForProvider, isCommissionerEditor } from '../auth/access.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { AppDeps } from '../deps.js';
import { Forbidden } from '../errors.js';
import { standardName } from '../frameworks/names.js';
import { versionContent } from '../frameworks/version-content.js';
import { formatDate } from '../format.js';
import { findAnswers } from './queries.js';
import { visibleReturn } from './returns.service.js';
import { buildReturnWorkbook } from './workbook-file.js';
import { signWorkbookToken } from './workbook-token.js';

// Returns by spreadsheet: the download. The provider's own people download their return to fill in
// offline; a contract manager (or administrator) may download it on the provider's behalf, which the
// audit trail records as such. Viewers and other providers' people may not.

export interface ReturnWorkbook {
  fileName: string;
  content: Buffer;
}

export async function downloadReturnWorkbook(
  { prisma, caches, sessionSecret }: Pick<AppDeps, 'prisma' | 'caches' | 'sessionSecret'>,
  user: CurrentUser,
  returnId: string,
): Promise<ReturnWorkbook> {
  const row = await visibleReturn(prisma, user, returnId);
  const ownPeople = canEditForProvider(user, row.providerId);
  if (!ownPeople && !isCommissionerEditor(user))
    throw new Forbidden(
      'Only the provider’s own people, or a contract manager on their behalf, can download the return to fill in',
    );
  const { requirements } = await versionContent(caches.versions, prisma, row.frameworkVersionId);
  const answers = new Map(
    (await findAnswers(prisma, row.id)).map((answer) => [answer.requirementId, answer]),
  );
  const token = signWorkbookToken(sessionSecret, {
    returnId: row.id,
    providerId: row.providerId,
    versions: Object.fromEntries(
      requirements.map((requirement) => [requirement.id, answers.get(requirement.id)?.version ?? 0]),
    ),
  });
  const name = standardName(row.frameworkVersion.framework.name, row.frameworkVersion.code);
  const content = await buildReturnWorkbook({
    providerName: row.provider.name,
    standardName: name,
    periodLabel: row.period.label,
    dueDate: formatDate(row.dueDate),
    requirements,
    answers,
    token,
  });
  await recordAudit(prisma, {
    actorId: user.id,
    action: 'return.workbook_downloaded',
    entityType: 'return',
    entityId: row.id,
    returnId: row.id,
    after: ownPeople ? {} : { onBehalfOf: row.provider.name },
  });
  return {
    fileName: `${row.provider.name} ${name} return ${row.period.label}.xlsx`.replace(/[/\\]/g, '-'),
    content,
  };
}
