import { join } from 'node:path';
import ejs from 'ejs';
import { evidenceListItems } from '../../src/evidence/evidence-list.js';
import { formatFileSize } from '../../src/evidence/format.js';
import { MEDIA_TYPE_LABELS } from '../../src/evidence/media-type.js';
import type { EvidenceItem } from '../../src/evidence/queries.js';
import { pathTo, paths, withService } from '../../src/paths.js';
import { VIEWS_DIR } from '../../src/project-root.js';

// views/evidence/_response-evidence.ejs is included by the returns pages and the evidence page; what it
// shows (labels, sizes, dates, the virus check's state, whether there is a download link) comes from
// src/evidence/evidence-list.ts, and the view only places it.

const returnId = '11111111-1111-4111-8111-111111111111';
const requirementId = '22222222-2222-4222-8222-222222222222';
const periodStart = new Date('2026-04-01');

function item(overrides: Partial<EvidenceItem> = {}): EvidenceItem {
  return {
    id: '33333333-3333-4333-8333-333333333333',
    fileName: 'Policy <draft>.pdf',
    sizeBytes: 1_572_864,
    mediaType: 'application/pdf',
    sha256: 'a'.repeat(64),
    uploadedAt: new Date('2026-05-01T10:00:00Z'),
    coversFrom: new Date('2025-04-01'),
    coversTo: new Date('2026-03-31'),
    scanStatus: 'clean',
    scanSignature: null,
    ...overrides,
  };
}

function render(items: EvidenceItem[], params: Record<string, unknown> = {}): Promise<string> {
  return ejs.renderFile(join(VIEWS_DIR, 'evidence', '_response-evidence.ejs'), {
    paths,
    pathTo,
    withService,
    csrfToken: () => 'the-token',
    returnId,
    requirementId,
    items: evidenceListItems(items, periodStart),
    canEdit: false,
    ...params,
  });
}

const downloadHref = `href="${pathTo(paths.evidence.download, { evidenceId: item().id })}"`;

test.each(Object.entries(MEDIA_TYPE_LABELS))('%s is labelled %s', async (mediaType, label) => {
  const html = await render([item({ mediaType, sizeBytes: 12_800 })]);
  expect(html).toContain(`(${label}, ${formatFileSize(12_800)})`);
});

test('a file checked clean: its download link, "Ready", the period covered and size', async () => {
  const html = await render([item()]);
  expect(html).toContain('Policy &lt;draft&gt;.pdf');
  expect(html).toContain(downloadHref);
  expect(html).toContain('<strong class="nhsuk-tag nhsuk-tag--green">Ready</strong>');
  expect(html).toContain('(PDF, 1.5 MB)');
  expect(html).toContain('Period covered: 1 April 2025 to 31 March 2026');
  expect(html).not.toContain('<form');
  expect(html).not.toContain('Add or manage evidence');
});

test('a file being checked, or blocked, has no download link and says why', async () => {
  const pending = await render([item({ scanStatus: 'pending', coversFrom: null })]);
  expect(pending).not.toContain(downloadHref);
  expect(pending).toContain('<strong class="nhsuk-tag nhsuk-tag--yellow">Being checked</strong>');
  expect(pending).toContain('It can be downloaded once the check has finished');
  expect(pending).toContain('Period covered: Up to 31 March 2026');

  const blocked = await render([item({ scanStatus: 'infected', scanSignature: 'Eicar-Test-Signature' })]);
  expect(blocked).not.toContain(downloadHref);
  expect(blocked).toContain(
    '<strong class="nhsuk-tag nhsuk-tag--red">Blocked: Eicar-Test-Signature</strong>',
  );
  expect(blocked).toContain(
    'The virus check found Eicar-Test-Signature in this file, so no one can download it.',
  );
});

test('a file kept while there was no scanner may be downloaded, and says it was not checked', async () => {
  const html = await render([item({ scanStatus: 'unscanned', coversTo: null })]);
  expect(html).toContain(downloadHref);
  expect(html).toContain('<strong class="nhsuk-tag nhsuk-tag--grey">Not checked for viruses</strong>');
  expect(html).toContain('Period covered: From 1 April 2025');
});

test('tags stale items with text, and offers removal and management when the user can edit', async () => {
  const html = await render([item({ coversTo: new Date('2026-03-30') })], {
    canEdit: true,
    unlinkReturnsTo: 'requirement',
  });
  expect(html).toContain('<strong class="nhsuk-tag nhsuk-tag--orange">Older than this period</strong>');
  expect(html).toContain(
    `action="${pathTo(paths.evidence.unlink, { returnId, requirementId, evidenceId: item().id })}"`,
  );
  expect(html).toContain('<input type="hidden" name="_csrf" value="the-token">');
  expect(html).toContain('<input type="hidden" name="returnTo" value="requirement">');
  expect(html).toContain(
    `href="${pathTo(paths.evidence.upload, { returnId, requirementId })}">Add or manage evidence`,
  );
});

test('says when there is no evidence', async () => {
  const html = await render([], { canEdit: true });
  expect(html).toContain('No evidence has been added for this requirement.');
});
