/**
 * Security identifiers a securities file may carry, checked the way their issuers define them
 * so a typo is caught at import rather than stored.
 */

/** Letters count as 10 (A) to 35 (Z), the conversion ISIN and FIGI check digits share. */
const digitsOf = (text: string): number[] =>
  [...text].map((c) => (c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 55));

/** The Luhn sum of `digits` where every other digit counted from the right, starting with the last, is doubled. */
function luhnCheckDigit(digits: readonly number[]): number {
  let sum = 0;
  digits.forEach((d, i) => {
    const doubled = (digits.length - i) % 2 === 1 ? d * 2 : d;
    sum += Math.floor(doubled / 10) + (doubled % 10);
  });
  return (10 - (sum % 10)) % 10;
}

/**
 * ISO 6166: two-letter country prefix, nine alphanumerics, one check digit. Letters are
 * expanded to two digits each, then the Luhn check runs over the resulting digit string.
 */
export function isinProblem(isin: string): string | null {
  if (!/^[A-Z]{2}[A-Z0-9]{9}[0-9]$/.test(isin))
    return 'an ISIN is 2 letters, 9 letters or digits and a check digit (US0378331005)';
  const expanded = digitsOf(isin.slice(0, 11)).join('').split('').map(Number);
  const check = luhnCheckDigit(expanded);
  return check === Number(isin[11]) ? null : `the ISIN's check digit should be ${check}`;
}

/**
 * OpenFIGI: 12 characters of upper-case consonants and digits, the third always `G`, the
 * first two never BS, BM, GG, GB, GH, KY or VG (ISIN country prefixes), and a check digit
 * computed like an ISIN's but over the letter values themselves (every second one doubled).
 */
export function figiProblem(figi: string): string | null {
  if (!/^[B-DF-HJ-NP-TV-Z0-9]{2}G[B-DF-HJ-NP-TV-Z0-9]{8}[0-9]$/.test(figi))
    return 'a FIGI is 12 upper-case consonants or digits, the third a G, the last a check digit (BBG000B9XRY4)';
  if (['BS', 'BM', 'GG', 'GB', 'GH', 'KY', 'VG'].includes(figi.slice(0, 2)))
    return `a FIGI never starts with ${figi.slice(0, 2)}`;
  // Values at even positions (2nd, 4th, ...) are doubled, counting from the left over 11 characters.
  let sum = 0;
  digitsOf(figi.slice(0, 11)).forEach((v, i) => {
    const n = i % 2 === 1 ? v * 2 : v;
    sum += [...String(n)].reduce((s, c) => s + Number(c), 0);
  });
  const check = (10 - (sum % 10)) % 10;
  return check === Number(figi[11]) ? null : `the FIGI's check digit should be ${check}`;
}
