import { todayUtc } from '../clock.js';
import { isCalendarDate, spanStart } from '../domain/dates.js';
import { tradingDays } from '../domain/calendar.js';
import { DEMO_END_DATE, type DemoDay } from '../demo/generator.js';
import { simulateFx, simulatePrices } from '../demo/market.js';
import { demoSecurities } from '../demo/universe.js';
import { ProviderError } from './errors.js';
import type { MarketDataProvider } from './provider.js';
import { selectWanted } from './select.js';

/** First demo trading day: the seeded packs start here and the random walks start from it. */
export const DEMO_FIRST_DATE = spanStart(DEMO_END_DATE, 3);
/**
 * Last date the demo source will simulate. Past the seeded span the walks simply continue
 * (the same streams, drawn further), so a later date never changes an earlier close; the
 * bound only keeps a typo like 9999-01-01 from simulating for minutes.
 */
export const DEMO_LAST_DATE = '2035-12-31';

/**
 * The demo data set's market as a provider: for the seeded dates it returns exactly the
 * closes and FX `folio seed-demo` stored for the same FOLIO_DEMO_SEED; later dates continue
 * the simulation (weekdays; NYSE holidays are only known to the end of 2025). Symbols outside
 * the demo universe are absent, never made up.
 */
export function demoProvider(seed: number): MarketDataProvider {
  const securities = demoSecurities();
  let simulatedTo = '';
  let days = new Map<string, DemoDay>();

  const simulateTo = (end: string) => {
    const dates = tradingDays(DEMO_FIRST_DATE, end);
    const prices = simulatePrices(seed, securities, dates);
    const fx = simulateFx(seed, dates);
    days = new Map(dates.map((date, i) => [date, { date, prices: prices[i] ?? [], fx: fx[i] ?? [] }]));
    simulatedTo = end;
  };

  return {
    name: 'demo',
    async snapshot({ date, symbols, pairs }) {
      if (!isCalendarDate(date)) {
        throw new ProviderError('demo', 'permanent', `invalid date ${JSON.stringify(date)}`);
      }
      if (date < DEMO_FIRST_DATE || date > DEMO_LAST_DATE) {
        throw new ProviderError(
          'demo',
          'permanent',
          `the demo market covers ${DEMO_FIRST_DATE}..${DEMO_LAST_DATE}; ${date} is outside it`,
        );
      }
      // Each simulation starts from the first date, so it goes at once as far as callers
      // usually ask (today): a catch-up over months then simulates once, not once per date.
      if (date > simulatedTo) simulateTo([date, DEMO_END_DATE, todayUtc()].reduce((a, b) => (a > b ? a : b)));
      const day = days.get(date);
      if (!day)
        throw new ProviderError(
          'demo',
          'permanent',
          `${date} is not a demo trading day (weekend or NYSE holiday): the demo market has no closes for it`,
        );
      return { date, ...selectWanted(day.prices, day.fx, symbols, pairs) };
    },
  };
}
