'use strict';
// Drives VS Code (code-server) in headless Chromium the way a person does, by the keyboard, and
// prints what it saw as one JSON object. Run by tests/editors/test_vscode_e2e.py:
//
//   NODE_PATH=<cache>/node_modules node drive.js CONFIG.json
//
// CONFIG: { url, chromium, failureScreenshot, fix: null | { file, path, title, screenshot },
//           format: null | { file, path, ready }, cfg: null | { screenshot } }: `file` as Quick Open finds it, `path` on disk,
//           `ready` text in the editor once the server answers (an inlay hint).
// The keyboard, not the mouse: VS Code's quick-fix menu in the browser answers arrows and Enter,
// not clicks, and shortcuts need no coordinates that change with fonts and layout.

const fs = require('fs');
const { chromium } = require('playwright-core');

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const STEP_MS = 60000; // one step at most: the first start of the server and the workbench is the slowest
const seen = { steps: [] };
const started = Date.now();

function step(name) {
  seen.steps.push([name, Date.now() - started]);
}

async function problemsLabel(page) {
  return page.getAttribute('[id="status.problems"]', 'aria-label');
}

/** Opens `name` with Quick Open (Ctrl+P) and waits until its editor has the focus. */
async function openFile(page, name) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_MS });
  await page.keyboard.type(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: STEP_MS });
  await page.keyboard.press('Enter');
  await page.locator(`.tab.active[aria-label^="${name}"]`).waitFor({ timeout: STEP_MS });
  await page.locator('.monaco-editor.focused').waitFor({ timeout: STEP_MS });
}

/** Waits until the file at `path` holds other text than `before`: the save has reached the disk
 * (the tab's dirty mark is no sign: code-server auto-saves after a second, and a save goes to
 * the disk through the server after the mark is gone). */
async function saved(page, path, before) {
  for (const end = Date.now() + STEP_MS; fs.readFileSync(path, 'utf8') === before; ) {
    if (Date.now() > end) {
      throw new Error(`${path} was not saved within ${STEP_MS} ms`);
    }
    await page.waitForTimeout(100);
  }
}

async function quickFix(page, title) {
  await page.keyboard.press('Control+.');
  const rows = page.locator('.action-widget .monaco-list-row.action');
  await rows.first().waitFor({ state: 'visible', timeout: STEP_MS });
  const titles = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  const focused = await rows.evaluateAll((els) => els.findIndex((e) => e.classList.contains('focused')));
  seen.menu = titles;
  const target = titles.indexOf(title);
  if (target < 0) {
    throw new Error(`no action titled ${JSON.stringify(title)} in the quick-fix menu: ${JSON.stringify(titles)}`);
  }
  const key = target >= focused ? 'ArrowDown' : 'ArrowUp';
  for (let i = 0; i < Math.abs(target - Math.max(focused, 0)); i += 1) {
    await page.keyboard.press(key);
  }
  seen.applied = await page.locator('.action-widget .monaco-list-row.action.focused').getAttribute('aria-label');
  await page.keyboard.press('Enter');
}

async function diagnosticAndFix(page, fix) {
  const original = fs.readFileSync(fix.path, 'utf8');
  await openFile(page, fix.file);
  await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: STEP_MS });
  step('diagnostic');
  seen.squiggles = await page.locator('.monaco-editor .squiggly-error').count();
  seen.problems = await problemsLabel(page);

  // The cursor onto the error (F8, "Go to Next Problem"), the Problems view open, the hover
  // shown at the cursor (Ctrl+K Ctrl+I): the screenshot shows all three.
  await page.keyboard.press('F8');
  await page.locator('.marker-widget').waitFor({ timeout: STEP_MS });
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Shift+M');
  const related = page.locator('.markers-panel .monaco-list-row');
  await related.nth(1).waitFor({ timeout: STEP_MS });
  seen.panel = await related.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') || e.textContent));
  await page.keyboard.press('Control+1');
  await page.locator('.monaco-editor.focused').waitFor({ timeout: STEP_MS });
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+I');
  const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'uninitialized-local' });
  await hover.first().waitFor({ timeout: STEP_MS });
  seen.hover = (await hover.first().innerText()).split('\n').filter((line) => line.trim());
  await page.screenshot({ path: fix.screenshot });
  step('screenshot');
  await page.keyboard.press('Escape');

  await quickFix(page, fix.title);
  await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'detached', timeout: STEP_MS });
  // code-server auto-saves (files.autoSave is afterDelay there); Ctrl+S as a person would anyway.
  await page.keyboard.press('Control+S');
  await saved(page, fix.path, original);
  await page.waitForFunction((before) => {
    const item = document.querySelector('[id="status.problems"]');
    return item !== null && item.getAttribute('aria-label') !== before;
  }, seen.problems, { timeout: STEP_MS });
  seen.problemsAfter = await problemsLabel(page);
  step('quick fix');
}

async function formatDocument(page, format) {
  const unformatted = fs.readFileSync(format.path, 'utf8');
  await openFile(page, format.file);
  // Formatting asked before the server is up gets "There is no formatter for 'wat' files". Its
  // inlay hints show it is up: they are part of the editor's text.
  await page.waitForFunction((ready) => {
    const lines = document.querySelector('.monaco-editor .view-lines');
    return lines !== null && lines.innerText.replace(/\s/g, ' ').includes(ready);
  }, format.ready, { timeout: STEP_MS });
  const before = await page.locator('.monaco-editor .view-lines').innerText();
  // The Command Palette, not Shift+Alt+F: in a browser Alt+F opens the File menu.
  await page.keyboard.press('Control+Shift+P');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: STEP_MS });
  await page.keyboard.type('Format Document');
  const first = page.locator('.quick-input-list .monaco-list-row').first();
  await first.waitFor({ timeout: STEP_MS });
  seen.command = await first.getAttribute('aria-label');
  await page.keyboard.press('Enter');
  await page.waitForFunction((text) => {
    const lines = document.querySelector('.monaco-editor .view-lines');
    return lines !== null && lines.innerText !== text;
  }, before, { timeout: STEP_MS });
  await page.keyboard.press('Control+S');
  await saved(page, format.path, unformatted);
  step('format');
}

/** "Show Control Flow Graph" from the Command Palette, in the editor that has the focus: the
 * texts of the SVG its webview shows (a frame inside the webview's frame). */
async function showCfg(page, cfg) {
  await page.keyboard.press('Control+Shift+P');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: STEP_MS });
  await page.keyboard.type('Show Control Flow Graph');
  const first = page.locator('.quick-input-list .monaco-list-row').first();
  await first.waitFor({ timeout: STEP_MS });
  seen.cfgCommand = await first.getAttribute('aria-label');
  await page.keyboard.press('Enter');
  const texts = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame').locator('svg text');
  await texts.first().waitFor({ timeout: STEP_MS });
  seen.cfgTexts = await texts.allTextContents();
  await page.screenshot({ path: cfg.screenshot });
  step('cfg');
}

async function run(page) {
  await page.goto(config.url);
  await page.locator('[id="status.problems"]').waitFor({ timeout: STEP_MS });
  step('workbench');
  if (config.fix) {
    await diagnosticAndFix(page, config.fix);
  }
  if (config.format) {
    await formatDocument(page, config.format);
  }
  if (config.cfg) {
    await showCfg(page, config.cfg);
  }
}

(async () => {
  const browser = await chromium.launch({
    executablePath: config.chromium,
    // As root Chromium runs only without its sandbox; the page is our own code-server on 127.0.0.1.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    try {
      await run(page);
    } catch (error) {
      await page.screenshot({ path: config.failureScreenshot }).catch(() => undefined);
      throw error;
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(seen) + '\n');
})().catch((error) => {
  process.stderr.write(`${error.stack || error}\nseen so far: ${JSON.stringify(seen)}\n`);
  process.exit(1);
});
