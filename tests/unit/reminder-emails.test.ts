import { chaserEmail, digestEmail } from '../../src/reminders/emails.js';

const HOSTILE = '<script>alert("x")</script> & Sons';

describe('email HTML escapes everything it is given', () => {
  test('a chaser', () => {
    const email = chaserEmail({
      recipientName: HOSTILE,
      providerName: HOSTILE,
      standardName: 'Accessible Information Standard 2025',
      periodLabel: '2026/27',
      dueDate: new Date('2027-03-31T00:00:00Z'),
      today: new Date('2027-04-14T00:00:00Z'),
      returnedForChanges: true,
      escalatedTo: { name: HOSTILE },
      returnUrl: 'https://tracker.example.nhs.uk/returns/1?a=1&b="2"',
      serviceName: 'Service',
      organisationName: HOSTILE,
    });
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons');
    expect(email.html).toContain('href="https://tracker.example.nhs.uk/returns/1?a=1&amp;b=&quot;2&quot;"');
    expect(email.html).toContain(
      `<title>Overdue: Accessible Information Standard 2025 return for &lt;script&gt;`,
    );
    // Plain text stays as it is.
    expect(email.text).toContain(`Dear ${HOSTILE},`);
    expect(email.subject).toBe(
      `Overdue: Accessible Information Standard 2025 return for ${HOSTILE} (2026/27) was due on 31 March 2027`,
    );
  });

  test('a digest, with one row per overdue return and a link named after it', () => {
    const email = digestEmail({
      recipientName: 'Cora Manager',
      today: new Date('2027-04-14T00:00:00Z'),
      lines: [
        {
          providerName: HOSTILE,
          standardName: 'Equality Delivery System 2022',
          periodLabel: '2026/27',
          dueDate: new Date('2027-02-28T00:00:00Z'),
          returnUrl: 'https://tracker.example.nhs.uk/returns/2',
        },
      ],
      serviceName: 'Service',
      organisationName: 'ICB',
    });
    expect(email.subject).toBe('1 overdue return on your contracts');
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain(
      '<a href="https://tracker.example.nhs.uk/returns/2" style="color: #005eb8;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons: Equality Delivery System 2022 return</a>',
    );
    expect(email.html).toMatch(/<th scope="col"[^>]*>Overdue by<\/th>/);
    expect(email.text).toContain(
      `- ${HOSTILE}: Equality Delivery System 2022, 2026/27, due 28 February 2027, 45 days overdue`,
    );
  });
});
