/**
 * Dates and times as people in the ward read and write them: in UK time (GMT in winter, BST in summer), while the
 * database keeps UTC. Pure functions over Intl, no I/O.
 */

/** The time zone of every UK council. Pages show times in it and forms read times in it. */
export const UK_TIME_ZONE = 'Europe/London'

/** The Intl locale for one of our language codes: British English for `en`, the code itself otherwise. */
export const intlLocale = (lang: string | undefined): string => (!lang || lang === 'en' ? 'en-GB' : lang)

const offsetFormat = new Map<string, Intl.DateTimeFormat>()

/** Minutes `timeZone` is ahead of UTC at the instant `utcMs`. */
function offsetMinutes(utcMs: number, timeZone: string): number {
  let f = offsetFormat.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    offsetFormat.set(timeZone, f)
  }
  const part = (parts: Intl.DateTimeFormatPart[], type: Intl.DateTimeFormatPartTypes) =>
    Number(parts.find((p) => p.type === type)?.value)
  const parts = f.formatToParts(new Date(utcMs))
  const wall = Date.UTC(
    part(parts, 'year'),
    part(parts, 'month') - 1,
    part(parts, 'day'),
    part(parts, 'hour'),
    part(parts, 'minute'),
    part(parts, 'second'),
  )
  return Math.round((wall - Math.floor(utcMs / 1000) * 1000) / 60000)
}

/**
 * The instant a wall-clock date (YYYY-MM-DD) and time (HH:MM) stand for in `timeZone`, or undefined when either is
 * not a real date or time. Around the clock changes: a time the spring change skips (01:30 on the last Sunday of
 * March) is read an hour later, as the clock then shows; a time the autumn change repeats (01:30 on the last Sunday
 * of October) is read as its second, later occurrence, which is the more generous reading of a deadline.
 */
export function wallTimeToUtc(date: string, time: string, timeZone: string = UK_TIME_ZONE): Date | undefined {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim())
  const t = /^(\d{2}):(\d{2})$/.exec(time.trim())
  if (!d || !t) return undefined
  const [year, month, day, hour, minute] = [d[1], d[2], d[3], t[1], t[2]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ]
  if (hour > 23 || minute > 59) return undefined
  const wall = Date.UTC(year, month - 1, day, hour, minute)
  const check = new Date(wall)
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
    return undefined
  // The offset at the wall time read as UTC is a first guess; the offset at that guess settles it.
  const guess = wall - offsetMinutes(wall, timeZone) * 60000
  return new Date(wall - offsetMinutes(guess, timeZone) * 60000)
}

/** The wall-clock date (YYYY-MM-DD) and time (HH:MM) of an instant in `timeZone`: the inverse of wallTimeToUtc. */
export function utcToWallTime(instant: Date, timeZone: string = UK_TIME_ZONE): { date: string; time: string } {
  const shifted = new Date(instant.getTime() + offsetMinutes(instant.getTime(), timeZone) * 60000).toISOString()
  return { date: shifted.slice(0, 10), time: shifted.slice(11, 16) }
}

/** A date in UK time, written the reader's way: "26 November 2026", "26 listopada 2026". Empty when not a date. */
export function formatDate(value: string | Date, lang: string | undefined): string {
  const d = new Date(value)
  return Number.isNaN(d.getTime())
    ? ''
    : d.toLocaleDateString(intlLocale(lang), { day: 'numeric', month: 'long', year: 'numeric', timeZone: UK_TIME_ZONE })
}

/** A moment in UK time, written the reader's way: "26 Nov 2026, 14:05". Empty when not a date. */
export function formatDateTime(value: string | Date, lang: string | undefined): string {
  const d = new Date(value)
  return Number.isNaN(d.getTime())
    ? ''
    : // The 24-hour clock everywhere: Korean would otherwise write "AM 12:01".
      d.toLocaleString(intlLocale(lang), {
        dateStyle: 'medium',
        timeStyle: 'short',
        hourCycle: 'h23',
        timeZone: UK_TIME_ZONE,
      })
}

/**
 * Today's date (YYYY-MM-DD) in the UK. Between midnight and 01:00 in summer the UTC date is still yesterday's, so
 * "not in the future" checks and pre-filled dates use this, never the UTC date.
 */
export const ukToday = (now: Date = new Date()): string => utcToWallTime(now).date
