/**
 * One 1280x720 slide per scene: heading, bullets, and a footer naming the
 * student's interest. Canvas bundles no font (it would draw nothing, silently),
 * so DejaVu Sans from the dejavu-fonts-ttf package is registered explicitly.
 */
import { createRequire } from 'node:module';
import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';

export const SLIDE_WIDTH = 1280;
export const SLIDE_HEIGHT = 720;
const FONT = 'DejaVu Sans';

let fontReady = false;
function ensureFont(): void {
  if (fontReady) return;
  const require = createRequire(import.meta.url);
  for (const file of ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf']) {
    GlobalFonts.registerFromPath(require.resolve(`dejavu-fonts-ttf/ttf/${file}`), FONT);
  }
  if (!GlobalFonts.has(FONT))
    throw new Error(`font_missing: ${FONT} could not be registered; slides would have no text`);
  fontReady = true;
}

function wrap(ctx: SKRSContext2D, text: string, maxWidth: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    const candidate = line ? `${line} ${word}` : word;
    if (ctx.measureText(candidate).width > maxWidth && line) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line) lines.push(line);
  return lines;
}

export interface SlideContent {
  heading: string;
  bullets: readonly string[];
  footer: string;
  index: number;
  total: number;
}

export async function renderSlide(content: SlideContent): Promise<Buffer> {
  ensureFont();
  const canvas = createCanvas(SLIDE_WIDTH, SLIDE_HEIGHT);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#f7f4ea';
  ctx.fillRect(0, 0, SLIDE_WIDTH, SLIDE_HEIGHT);
  ctx.fillStyle = '#1d3557';
  ctx.fillRect(0, 0, SLIDE_WIDTH, 150);

  const margin = 70;
  ctx.fillStyle = '#ffffff';
  ctx.font = `bold 46px "${FONT}"`;
  wrap(ctx, content.heading, SLIDE_WIDTH - 2 * margin)
    .slice(0, 2)
    .forEach((line, i) => ctx.fillText(line, margin, 70 + i * 54));

  ctx.fillStyle = '#222222';
  ctx.font = `32px "${FONT}"`;
  let y = 230;
  for (const bullet of content.bullets) {
    const lines = wrap(ctx, bullet, SLIDE_WIDTH - 2 * margin - 40);
    ctx.fillText('•', margin, y);
    for (const line of lines.slice(0, 3)) {
      ctx.fillText(line, margin + 40, y);
      y += 44;
    }
    y += 22;
    if (y > SLIDE_HEIGHT - 120) break;
  }

  ctx.fillStyle = '#457b9d';
  ctx.fillRect(0, SLIDE_HEIGHT - 60, SLIDE_WIDTH, 60);
  ctx.fillStyle = '#ffffff';
  ctx.font = `24px "${FONT}"`;
  ctx.fillText(content.footer, margin, SLIDE_HEIGHT - 22);
  const page = `${content.index + 1} / ${content.total}`;
  ctx.fillText(page, SLIDE_WIDTH - margin - ctx.measureText(page).width, SLIDE_HEIGHT - 22);
  return canvas.encode('png');
}
