import { Router } from 'express';
import { permissionsFor } from '../auth/access.js';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { pathTo, paths } from '../paths.js';
import { RETURN_STATUS_TAGS } from '../returns/progress.js';
import { idFromPath, signedInUser } from '../route-helpers.js';
import { buildBarChart } from '../trends/chart.js';
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
      return `Relative likelihood (1.00 is parity; the parity band is ${standard.parityBand.low.toFixed(2)} to ${standard.parityBand.high.toFixed(2)})`;
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
      parityBand: `${standard.parityBand.low.toFixed(2)} to ${standard.parityBand.high.toFixed(2)}`,
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
    const axis = valueLabel(standard, page.entry);
    const withFigures = page.providers.filter((provider) => provider.cells.some((cell) => cell.result));
    const chart =
      axis && withFigures.length > 0
        ? buildBarChart({
            title: `${page.name} across providers`,
            description: `For each provider, a bar for each data year (${page.years.join(', ')}) with its figure written beside it; the table below has the same figures with their warnings.`,
            valueLabel: axis,
            groups: withFigures.map((provider) => ({
              label: provider.name,
              bars: provider.cells.map((cell) => ({
                label: String(cell.year),
                value: Math.max(0, cell.result?.value ?? 0),
                text:
                  cell.result?.value === undefined
                    ? cellText(cell)
                    : page.entry.kind === 'relative-likelihood'
                      ? cell.result.shown
                      : `${oneDecimal(cell.result.value)}%`,
              })),
            })),
          })
        : undefined;
    res.render('workforce/icb-indicator', {
      name: page.name,
      title: page.entry.title,
      reading: page.entry.reading,
      verified: page.entry.verified,
      source: page.entry.source,
      code: standard.code,
      isLikelihood: page.entry.kind === 'relative-likelihood',
      parityBand: `${standard.parityBand.low.toFixed(2)} to ${standard.parityBand.high.toFixed(2)}`,
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
