// A readable name for a session's browser and operating system, from its User-Agent header, so that two
// sessions can be told apart at a glance ("Firefox 128 on Windows", "Safari 17 on iPhone"). Only for
// display: nothing is decided on it, and unknown agents fall back to their first words.

const BROWSERS: ReadonlyArray<[name: string, pattern: RegExp]> = [
  ['Edge', /Edg(?:e|A|iOS)?\/(\d+)/],
  ['Opera', /OPR\/(\d+)/],
  ['Samsung Internet', /SamsungBrowser\/(\d+)/],
  ['Firefox', /(?:Firefox|FxiOS)\/(\d+)/],
  ['Chrome', /(?:HeadlessChrome|Chrome|CriOS)\/(\d+)/],
  ['Safari', /Version\/(\d+)[.\d]* (?:Mobile\/\S+ )?Safari\//],
  ['curl', /^curl\/(\d+)/],
];

const SYSTEMS: ReadonlyArray<[name: string, pattern: RegExp]> = [
  ['iPhone', /iPhone/],
  ['iPad', /iPad/],
  ['Android', /Android/],
  ['ChromeOS', /CrOS/],
  ['Windows', /Windows/],
  ['macOS', /Mac OS X|Macintosh/],
  ['Linux', /Linux/],
];

export interface DescribedAgent {
  browser: string;
  system: string;
}

export function describeUserAgent(userAgent: string | null): DescribedAgent {
  const agent = userAgent ?? '';
  const browser = BROWSERS.map(([name, pattern]) => [name, pattern.exec(agent)] as const).find(
    ([, match]) => match !== null,
  );
  const system = SYSTEMS.find(([, pattern]) => pattern.test(agent));
  const headless = /HeadlessChrome/.test(agent) ? ' (headless)' : '';
  return {
    browser: browser
      ? `${browser[0]} ${browser[1]?.[1] ?? ''}${headless}`.trim()
      : agent.split(/[\s/]/)[0] || 'Unknown browser',
    system: system?.[0] ?? 'Unknown system',
  };
}
