import { Router } from 'express';
import { permissionsFor } from '../auth/access.js';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { pathTo, paths } from '../paths.js';
import { RETURN_STATUS_TAGS } from '../returns/progress.js';
import { idFromPath, signedInUser } from '../route-helpers.js';
import { buildBarChart, type ChartGeometry } from '../trends/chart.js';
import { oneDecimal } from './calculations.js';
import type { Entry } from './entry.js';
import type { WorkforceStandard } from './indicator-file.schema.js';
import {
  icbIndicator,
  icbStandard,
  providerTrends,
  standardFromPath,
  type TrendCell,
} from './trends.service.js';
import { dataYearLabel } from './workforce.routes.js';

/**
 * A cell across providers in words: the result with each warning, or why there is none (only
 * submitted and accepted returns are counted there, so a missing one is "not submitted").
 */
function cellText(cell: TrendCell): string {
  if (cell.status === undefined) return 'Not submitted';
  if (!cell.result) return 'Not entered';
  return [cell.result.shown, ...cell.result.flags.map((flag) => `Warning: ${flag.text}`)].join('. ');
}

/** What the chart's axis measures, for the entries with one number per provider and year. */
function valueLabel(standard: WorkforceStandard, entry: Entry): string | undefined {
  switch (entry.kind) {
    case 'relative-likelihood':
      return `Relative likelihood (1.00 is parity; the parity band is ${parityBandText(standard)})`;
    case 'representation':
      return 'Percentage of the workforce';
    case 'declaration':
      return 'Percentage of staff who declared';
    default:
      // Survey figures (one per group), board gaps (below zero too) and narratives: the table only.
      return undefined;
  }
}

const standardSlug = (standard: WorkforceStandard) => standard.code.toLowerCase();

const parityBandText = (standard: WorkforceStandard) =>
  `${standard.parityBand.low.toFixed(2)} to ${standard.parityBand.high.toFixed(2)}`;

/**
 * An indicator's chart where it has one number per provider and year: a bar for each year with its
 * figure as text, and for relative likelihoods the parity band (data) shaded with its label, the
 * description naming each figure outside it. Undefined when there is nothing to draw.
 */
function indicatorChart(
  standard: WorkforceStandard,
  entry: Entry,
  title: string,
  description: string,
  groups: readonly { label: string; cells: readonly TrendCell[] }[],
  /** A year without a return: "Not submitted" across providers, "No return" on a provider's trends. */
  noReturn: string,
): ChartGeometry | undefined {
  const axis = valueLabel(standard, entry);
  const withFigures = groups.filter((group) => group.cells.some((cell) => cell.result));
  if (!axis || withFigures.length === 0) return undefined;
  const likelihood = entry.kind === 'relative-likelihood';
  return buildBarChart({
    title,
    description,
    valueLabel: axis,
    groups: withFigures.map((group) => ({
      label: group.label,
      bars: group.cells.map((cell) => ({
        label: String(cell.year),
        value: Math.max(0, cell.result?.value ?? 0),
        text:
          cell.status === undefined
            ? noReturn
            : cell.result?.value === undefined
              ? cellText(cell)
              : likelihood
                ? cell.result.shown
                : `${oneDecimal(cell.result.value)}%`,
        outside: cell.result?.flags.some((flag) => flag.kind === 'outside-parity') ?? false,
      })),
    })),
    ...(likelihood && {
      band: {
        low: standard.parityBand.low,
        high: standard.parityBand.high,
        label: `Parity band ${parityBandText(standard)}`,
      },
    }),
  });
}

export function workforceTrendsRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get(paths.workforce.providerTrends, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const standard = standardFromPath(deps.caches.workforce, req.params.standard);
    const providerId = idFromPath(req.params.providerId);
    const page = await providerTrends(deps, user, providerId, standard, deps.clock());
    const staff = permissionsFor(user).readRegister;
    res.render('workforce/trends', {
      provider: page.provider,
      standardName: `${standard.name} (${standard.code})`,
      code: standard.code,
      years: page.years.map(dataYearLabel),
      parityBand: parityBandText(standard),
      smallNumbers: standard.smallNumbers.below,
      returnsHref: pathTo(paths.workforce.provider, { providerId }),
      others: deps.caches.workforce.all
        .filter((other) => other.code !== standard.code)
        .map((other) => ({
          text: `${other.code} trends for ${page.provider.name}`,
          href: pathTo(paths.workforce.providerTrends, { providerId, standard: standardSlug(other) }),
        })),
      indicators: page.indicators.map((indicator) => ({
        id: `indicator-${indicator.entry.code}`,
        name: indicator.name,
        title: indicator.entry.title,
        chart: indicatorChart(
          standard,
          indicator.entry,
          `${indicator.name} for ${page.provider.name} by data year`,
          `A bar for each data year (${page.years.join(', ')}) with its figure written beside it; the table below has the same figures with their status and warnings.`,
          [{ label: page.provider.name, cells: indicator.cells }],
          'No return',
        ),
        icbHref: staff
          ? pathTo(paths.workforce.icbIndicator, {
              standard: standardSlug(standard),
              indicatorCode: indicator.entry.code,
            })
          : undefined,
        rows: indicator.cells.map((cell) => [
          cell.returnId
            ? {
                text: dataYearLabel(cell.year),
                href: pathTo(paths.workforce.show, { returnId: cell.returnId }),
              }
            : dataYearLabel(cell.year),
          cell.status === undefined
            ? 'No return'
            : { component: 'tag', params: RETURN_STATUS_TAGS[cell.status] },
          cell.result ? cell.result.shown : cell.status === undefined ? 'No return' : 'Not entered',
          cell.result && cell.result.flags.length > 0
            ? cell.result.flags.map((flag) => flag.text).join('. ')
            : cell.result
              ? 'None'
              : '',
        ]),
      })),
    });
  });

  router.get(paths.workforce.icb, requireSignIn, (req, res) => {
    const standard = standardFromPath(deps.caches.workforce, req.params.standard);
    const entries = icbStandard(signedInUser(res), standard);
    res.render('workforce/icb', {
      standardName: `${standard.name} (${standard.code})`,
      code: standard.code,
      indicators: entries.map((item) => ({
        text: `${item.name}: ${item.entry.title}`,
        href: pathTo(paths.workforce.icbIndicator, {
          standard: standardSlug(standard),
          indicatorCode: item.entry.code,
        }),
      })),
      others: deps.caches.workforce.all
        .filter((other) => other.code !== standard.code)
        .map((other) => ({
          text: `${other.name} (${other.code}) across providers`,
          href: pathTo(paths.workforce.icb, { standard: standardSlug(other) }),
        })),
    });
  });

  router.get(paths.workforce.icbIndicator, requireSignIn, async (req, res) => {
    const standard = standardFromPath(deps.caches.workforce, req.params.standard);
    const code = typeof req.params.indicatorCode === 'string' ? req.params.indicatorCode : '';
    const page = await icbIndicator(deps, signedInUser(res), standard, code, deps.clock());
    const chart = indicatorChart(
      standard,
      page.entry,
      `${page.name} across providers`,
      `For each provider, a bar for each data year (${page.years.join(', ')}) with its figure written beside it; the table below has the same figures with their warnings.`,
      page.providers.map((provider) => ({ label: provider.name, cells: provider.cells })),
      'Not submitted',
    );
    res.render('workforce/icb-indicator', {
      name: page.name,
      title: page.entry.title,
      reading: page.entry.reading,
      verified: page.entry.verified,
      source: page.entry.source,
      code: standard.code,
      isLikelihood: page.entry.kind === 'relative-likelihood',
      parityBand: parityBandText(standard),
      smallNumbers: standard.smallNumbers.below,
      backHref: pathTo(paths.workforce.icb, { standard: standardSlug(standard) }),
      chart,
      head: ['Provider', ...page.years.map((year) => dataYearLabel(year))],
      rows: page.providers.map((provider) => [
        {
          text: provider.name,
          href: pathTo(paths.workforce.providerTrends, {
            providerId: provider.id,
            standard: standardSlug(standard),
          }),
        },
        ...provider.cells.map((cell) =>
          cell.status === 'submitted' ? `${cellText(cell)}. Not yet reviewed` : cellText(cell),
        ),
      ]),
    });
  });

  return router;
}
