// Every URL in the app, in one place: routes mount these patterns and views build links with
// `pathTo(paths.x.y, { id })`. No other file writes a URL by hand.
export const paths = {
  home: '/',
  health: { live: '/health/live', ready: '/health/ready' },
  // The ways in: /sign-in lists them (or goes straight to the only one).
  signIn: '/sign-in',
  entraSignIn: '/sign-in/microsoft',
  localSignIn: '/sign-in/local',
  emailSignIn: { request: '/sign-in/email', sent: '/sign-in/email/sent', link: '/sign-in/email/link' },
  signOut: '/sign-out',
  signedOut: '/signed-out',
  authCallback: '/auth/callback',
  // Where an invitation email's link leads (the token is in the query string).
  invitation: '/invitation',
  accessibility: '/accessibility',
  // nhsukCssImages: the compiled NHS CSS asks for its icons at this absolute URL.
  assets: { nhsuk: '/assets/nhsuk', nhsukCssImages: '/assets/images', app: '/assets/app' },
  providers: {
    list: '/providers',
    new: '/providers/new',
    show: '/providers/:providerId',
    // A provider's trends: staff, and the provider's own people.
    trends: '/providers/:providerId/trends',
    edit: '/providers/:providerId/edit',
    deactivate: '/providers/:providerId/deactivate',
    reactivate: '/providers/:providerId/reactivate',
  },
  // Bulk import of the provider register from a CSV or XLSX file (administrators, contract managers):
  // upload, then a preview per import, confirmed on the same page.
  imports: {
    register: '/imports/register',
    registerTemplateCsv: '/imports/register/template.csv',
    registerTemplateXlsx: '/imports/register/template.xlsx',
    registerShow: '/imports/register/:importId',
    // NHS England's organisation data files (trusts, GP practices): previewed at registerShow too.
    ods: '/imports/ods',
    // A past period's return loaded from a spreadsheet as history (issue 15): the page with its
    // blank templates and upload, then the preview (confirmed on the same page).
    history: '/providers/:providerId/returns/import',
    historyTemplate: '/providers/:providerId/returns/import/template.xlsx',
    historyPreview: '/providers/:providerId/returns/import/preview',
  },
  contracts: {
    new: '/providers/:providerId/contracts/new',
    edit: '/contracts/:contractId/edit',
  },
  periods: {
    list: '/periods',
    new: '/periods/new',
    show: '/periods/:periodId',
    editStandard: '/periods/:periodId/standards/:frameworkId',
    open: '/periods/:periodId/open',
  },
  returns: {
    list: '/returns',
    show: '/returns/:returnId',
    requirement: '/returns/:returnId/requirements/:requirementId',
    carryForward: '/returns/:returnId/carry-forward',
    checkAnswers: '/returns/:returnId/check-answers',
    submit: '/returns/:returnId/submit',
    confirmation: '/returns/:returnId/confirmation',
    history: '/returns/:returnId/history',
    extension: '/returns/:returnId/extension',
    // The return as a workbook to fill in offline (issue 15).
    workbook: '/returns/:returnId/workbook.xlsx',
    // Issue 14: who graded an EDS return (its panel, dates, how scores were agreed).
    grading: '/returns/:returnId/grading',
    // Issue 14: the services an EDS 2022 return assesses in Domain 1 (each answers 1A-1D on the
    // requirement page with ?service=<id>): the list, then adding, changing and removing one.
    services: '/returns/:returnId/services',
    serviceAdd: '/returns/:returnId/services/add',
    serviceChange: '/returns/:returnId/services/:serviceId/change',
    serviceRemove: '/returns/:returnId/services/:serviceId/remove',
    // Uploading the filled-in workbook, then its preview (confirmed on the same page).
    workbookUpload: '/returns/:returnId/workbook/upload',
    workbookPreview: '/returns/:returnId/workbook/preview',
    // Issue 14: an EDS 2022 return's report in the layout of NHS England's template (a print page and
    // a workbook), and where and when it was published and sent to NHS England.
    edsReport: '/returns/:returnId/eds-report',
    edsReportXlsx: '/returns/:returnId/eds-report.xlsx',
    edsReportPublication: '/returns/:returnId/eds-report/publication',
  },
  evidence: {
    upload: '/returns/:returnId/requirements/:requirementId/evidence',
    link: '/returns/:returnId/requirements/:requirementId/evidence/link',
    unlink: '/returns/:returnId/requirements/:requirementId/evidence/:evidenceId/unlink',
    download: '/evidence/:evidenceId/download',
  },
  // Issue 14: actions as records of their own. A provider's people add one to a requirement of a
  // return (or link one they have); anyone who may see the provider reads it and its progress.
  actions: {
    list: '/actions',
    show: '/actions/:actionId',
    update: '/actions/:actionId/updates',
    add: '/returns/:returnId/requirements/:requirementId/actions',
    link: '/returns/:returnId/requirements/:requirementId/actions/link',
  },
  // Email: failed and waiting emails (admins, contract managers); the local mailbox exists only
  // outside production, for staff, when no SMTP server is configured.
  outbox: { list: '/outbox', retry: '/outbox/:emailId/retry' },
  mailbox: { list: '/dev/mail', show: '/dev/mail/:emailId', html: '/dev/mail/:emailId/html' },
  // The compliance matrix (staff); the commissioner's home page shows it too.
  matrix: { show: '/matrix', export: '/matrix/export.csv' },
  review: {
    queue: '/review',
    show: '/returns/:returnId/review',
    requirement: '/returns/:returnId/review/requirements/:requirementId',
    decide: '/returns/:returnId/review/decision',
    // Every requirement decided on one page, in one form.
    all: '/returns/:returnId/review/all',
    acceptUnchanged: '/returns/:returnId/review/accept-unchanged',
  },
  // Heat map (providers x requirements) and trends across periods for all providers: staff only
  // (a provider lead's /trends leads to their own providers' trends).
  heatmap: '/heatmap',
  trends: '/trends',
  // Exports: requirement-level data (staff) and the per-provider contract review pack (staff, and a
  // provider's own leads).
  exports: {
    index: '/exports',
    requirements: '/exports/requirements',
    packChoose: '/exports/pack',
    pack: '/exports/pack/:providerId',
    packDownload: '/exports/pack/:providerId/download',
  },
  // A provider's people (leads and contributors): provider people see theirs at /people; staff on
  // the provider's page. Leads invite and remove contributors, staff anyone.
  people: {
    mine: '/people',
    invite: '/providers/:providerId/people/invite',
    remove: '/providers/:providerId/people/:userId/remove',
    resend: '/providers/:providerId/people/:userId/invitation',
  },
  // Equality publications (issue 17): what each provider owes in a year, what it published, who
  // checked it. Staff see every provider; a provider's people their own.
  publications: {
    overview: '/publications',
    export: '/publications/export.csv',
    provider: '/providers/:providerId/publications',
    record: '/providers/:providerId/publications/:obligationCode/:year',
    check: '/providers/:providerId/publications/:obligationCode/:year/check',
  },
  // WRES and WDES returns (issue 17): a provider's list (its people and staff), each return's entry,
  // check-answers, submit and review pages, trends per provider, and the ICB-wide view (staff).
  workforce: {
    provider: '/providers/:providerId/workforce',
    show: '/workforce/returns/:returnId',
    entry: '/workforce/returns/:returnId/indicators/:indicatorCode',
    checkAnswers: '/workforce/returns/:returnId/check-answers',
    submit: '/workforce/returns/:returnId/submit',
    review: '/workforce/returns/:returnId/review',
    /** A provider's figures for each indicator over three years (:standard is "wres" or "wdes"). */
    providerTrends: '/providers/:providerId/workforce/:standard/trends',
    icb: '/workforce/icb/:standard',
    icbIndicator: '/workforce/icb/:standard/indicators/:indicatorCode',
  },
  users: {
    list: '/users',
    invite: '/users/invite',
    show: '/users/:userId',
    role: '/users/:userId/role',
    addMembership: '/users/:userId/memberships',
    removeMembership: '/users/:userId/memberships/:providerId/remove',
    deactivate: '/users/:userId/deactivate',
    reactivate: '/users/:userId/reactivate',
  },
} as const;

export type Paths = typeof paths;

/** Fills a pattern's `:name` parameters: `pathTo(paths.returns.show, { returnId })`. */
export function pathTo(pattern: string, params: Record<string, string>): string {
  return pattern.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`pathTo: no value for :${name} in ${pattern}`);
    return encodeURIComponent(value);
  });
}

/**
 * A link to a requirement's page (or its evidence) for one service (issue 14: EDS 2022 Domain 1 is
 * answered per service): `?service=<id>`; unchanged without a service.
 */
export function withService(path: string, serviceId: string | null | undefined): string {
  return serviceId ? `${path}?service=${encodeURIComponent(serviceId)}` : path;
}
