/** Today's date in UTC, the day against which "in the future" is judged. */
export const todayUtc = (): string => new Date().toISOString().slice(0, 10);
