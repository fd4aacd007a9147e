import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { levelView } from '../../src/frameworks/results.js';
import { PROJECT_ROOT } from '../../src/project-root.js';

// Every colour a rating scale's data gives its levels is drawn as a heat map cell background
// (public/css/app.css, .app-heatmap__cell--<colour>) behind the level's text in the NHS text colour.
// The text must stay readable on each: WCAG 2.2 AA contrast, at least 4.5:1 for normal text.

const NHS_TEXT = '#212b32';
const STANDARDS_DIR = join(PROJECT_ROOT, 'data', 'standards');
const CSS = readFileSync(join(PROJECT_ROOT, 'public', 'css', 'app.css'), 'utf8');

function channel(value: number): number {
  const srgb = value / 255;
  return srgb <= 0.04045 ? srgb / 12.92 : ((srgb + 0.055) / 1.055) ** 2.4;
}

function luminance(hex: string): number {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new Error(`Not a #rrggbb colour: ${hex}`);
  const [r, g, b] = match.slice(1).map((part) => channel(parseInt(part, 16)));
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

interface FileLevel {
  code: string;
  label: string;
  score: number;
  colour: string | null;
}

function scaleLevels(): { file: string; level: FileLevel }[] {
  return readdirSync(STANDARDS_DIR)
    .filter((name) => name.endsWith('.json'))
    .flatMap((file) => {
      const data = JSON.parse(readFileSync(join(STANDARDS_DIR, file), 'utf8')) as {
        ratingScale: { levels: FileLevel[] };
      };
      return data.ratingScale.levels.map((level) => ({ file, level }));
    });
}

/** The colours the standards' rating scales give their levels, as the heat map maps them. */
function scaleColours(): { file: string; level: string; colour: string }[] {
  const found: { file: string; level: string; colour: string }[] = [];
  for (const { file, level } of scaleLevels()) {
    if (level.colour === null) continue;
    const view = levelView({ ...level, position: 0 });
    if (!view.tagColour)
      throw new Error(`${file}: level ${level.code} has an unknown colour ${level.colour}`);
    found.push({ file, level: level.label, colour: view.tagColour });
  }
  return found;
}

function cellBackground(colour: string): string {
  const rule = new RegExp(
    `\\.app-heatmap__cell--${colour}\\s*\\{[^}]*background-color:\\s*(#[0-9a-f]{6})`,
    'i',
  );
  const match = rule.exec(CSS);
  if (!match?.[1]) throw new Error(`No heat map background for ${colour} in app.css`);
  return match[1];
}

test('the contrast formula agrees with known pairs', () => {
  expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
  expect(contrast('#ffffff', '#ffffff')).toBeCloseTo(1, 5);
  expect(contrast('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
});

test('every level of every scale has a colour, so the heat map has heat', () => {
  const uncoloured = scaleLevels()
    .filter(({ level }) => level.colour === null)
    .map(({ file, level }) => `${file}: ${level.code}`);
  expect(uncoloured).toEqual([]);
});

test('the standards give colours, and every one has a heat map background', () => {
  const colours = scaleColours();
  expect(colours.length).toBeGreaterThan(0);
  for (const { colour } of colours) expect(cellBackground(colour)).toMatch(/^#/);
});

test('the level text on every heat map colour meets AA contrast (4.5:1)', () => {
  const results = scaleColours().map(({ file, level, colour }) => ({
    file,
    level,
    colour,
    ratio: Math.round(contrast(NHS_TEXT, cellBackground(colour)) * 100) / 100,
  }));
  expect(results.filter((result) => result.ratio < 4.5)).toEqual([]);
});
