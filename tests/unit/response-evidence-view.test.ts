import { join } from 'node:path';
import ejs from 'ejs';
import { formatFileSize } from '../../src/evidence/format.js';
import { MEDIA_TYPE_LABELS } from '../../src/evidence/media-type.js';
import type { EvidenceItem } from '../../src/evidence/queries.js';
import { pathTo, paths } from '../../src/paths.js';
import { VIEWS_DIR } from '../../src/project-root.js';

// views/evidence/_response-evidence.ejs is included by the returns pages: it must label and size
// files exactly as the evidence code does.

const returnId = '11111111-1111-4111-8111-111111111111';
const requirementId = '22222222-2222-4222-8222-222222222222';

function item(overrides: Partial<EvidenceItem & { stale: boolean }> = {}): EvidenceItem & { stale: boolean } {
  return {
    id: '33333333-3333-4333-8333-333333333333',
    fileName: 'Policy <draft>.pdf',
    sizeBytes: 1_572_864,
    mediaType: 'application/pdf',
    sha256: 'a'.repeat(64),
    uploadedAt: new Date('2026-05-01T10:00:00Z'),
    coversFrom: new Date('2025-04-01'),
    coversTo: new Date('2026-03-31'),
    stale: false,
    ...overrides,
  };
}

function render(params: Record<string, unknown>): Promise<string> {
  return ejs.renderFile(join(VIEWS_DIR, 'evidence', '_response-evidence.ejs'), {
    paths,
    pathTo,
    csrfToken: () => 'the-token',
    returnId,
    requirementId,
    ...params,
  });
}

test.each(Object.entries(MEDIA_TYPE_LABELS))('%s is labelled %s', async (mediaType, label) => {
  const html = await render({ items: [item({ mediaType, sizeBytes: 12_800 })], canEdit: false });
  expect(html).toContain(`(${label}, ${formatFileSize(12_800)})`);
});

test('lists each item with its download link, period covered and size', async () => {
  const html = await render({ items: [item()], canEdit: false });
  expect(html).toContain('Policy &lt;draft&gt;.pdf');
  expect(html).toContain(`href="${pathTo(paths.evidence.download, { evidenceId: item().id })}"`);
  expect(html).toContain('(PDF, 1.5 MB)');
  expect(html).toContain('Period covered: 1 April 2025 to 31 March 2026');
  expect(html).not.toContain('Older than this period');
  expect(html).not.toContain('<form');
  expect(html).not.toContain('Add or manage evidence');
});

test('tags stale items with text, and offers removal and management when the user can edit', async () => {
  const html = await render({
    items: [item({ stale: true })],
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
  const html = await render({ items: [], canEdit: true });
  expect(html).toContain('No evidence has been added for this requirement.');
});
