import type { Db } from '../../src/db/prisma.js';
import { snapshotDigest } from '../../src/returns/snapshot.js';

// What a crash or an outage must never leave behind: each check names the rows that break a rule the
// app keeps by writing them in one transaction. An empty list means the data is whole. It assumes
// the evidence and submissions were written through the app (fixtures that insert rows directly
// write no audit events).

interface Problem {
  problem: string;
  id: string;
}

export async function findInconsistencies(prisma: Db): Promise<string[]> {
  const rows = await prisma.$queryRaw<Problem[]>`
    SELECT 'evidence file stored for no evidence item' AS problem, f.sha256 AS id
    FROM evidence_files f
    WHERE NOT EXISTS (SELECT 1 FROM evidence e WHERE e.file_sha256 = f.sha256)
    UNION ALL
    SELECT 'evidence file whose size or hash does not match its content', f.sha256
    FROM evidence_files f
    WHERE f.size_bytes <> octet_length(f.content) OR f.sha256 <> encode(sha256(f.content), 'hex')
    UNION ALL
    SELECT 'evidence item without its upload audit event', e.id::text
    FROM evidence e
    WHERE NOT EXISTS (
      SELECT 1 FROM audit_events a
      WHERE a.action = 'evidence.uploaded' AND a.entity_id = e.id::text)
    UNION ALL
    SELECT 'evidence item never linked to a requirement', e.id::text
    FROM evidence e
    WHERE NOT EXISTS (SELECT 1 FROM evidence_links l WHERE l.evidence_id = e.id)
      AND NOT EXISTS (
        SELECT 1 FROM audit_events a
        WHERE a.action = 'evidence.unlinked' AND a.entity_id = e.id::text)
    UNION ALL
    SELECT 'evidence link without its audit event', l.evidence_id::text || '/' || l.response_id::text
    FROM evidence_links l
    WHERE NOT EXISTS (
      SELECT 1 FROM audit_events a
      WHERE a.action = 'evidence.linked' AND a.entity_id = l.evidence_id::text)
    UNION ALL
    SELECT 'return marked ' || r.status || ' without a submission', r.id::text
    FROM returns r
    WHERE r.status IN ('submitted', 'accepted', 'returned')
      AND NOT EXISTS (SELECT 1 FROM return_submissions s WHERE s.return_id = r.id)
    UNION ALL
    SELECT 'submission without its return.submitted audit event', s.id::text
    FROM return_submissions s
    WHERE NOT EXISTS (
      SELECT 1 FROM audit_events a
      WHERE a.action = 'return.submitted' AND a.entity_id = s.return_id::text
        AND (a.after ->> 'submission')::int = s.sequence)
    UNION ALL
    SELECT 'return whose submitted time is not its latest submission''s', r.id::text
    FROM returns r
    JOIN LATERAL (SELECT s.submitted_at FROM return_submissions s
                  WHERE s.return_id = r.id ORDER BY s.sequence DESC LIMIT 1) latest ON true
    WHERE r.submitted_at IS DISTINCT FROM latest.submitted_at
    ORDER BY 1, 2`;
  const problems = rows.map((row) => `${row.problem}: ${row.id}`);

  const submissions = await prisma.returnSubmission.findMany({
    select: { id: true, snapshot: true, snapshotSha256: true },
  });
  for (const submission of submissions) {
    if (snapshotDigest(submission.snapshot) !== submission.snapshotSha256) {
      problems.push(`submission whose snapshot does not match its recorded hash: ${submission.id}`);
    }
  }
  return problems;
}
