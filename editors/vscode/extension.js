'use strict';
// The VS Code face of wat-lsp: starts the `wat-lsp` server on stdio for `wat` and `wast`
// documents. Plain JavaScript (CommonJS), so packaging needs no compile step.

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

const SECTION = 'wat-lsp';
// Settings that change how the server is started: a change restarts it.
const RESTART_SETTINGS = ['serverPath', 'serverArgs'];
// Settings only this client reads. Every other `wat-lsp.*` setting of package.json is the
// server's (its table is wat_lsp/settings.py; tests/editors/test_vscode_settings.py compares the
// two), sent as initialization options and read again through `workspace/configuration`.
const CLIENT_ONLY = ['serverPath', 'serverArgs', 'trace.server'];

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let output;

function serverOptions() {
  const config = vscode.workspace.getConfiguration(SECTION);
  // No `transport`: the server speaks LSP on stdio by default (`--stdio` is optional).
  return {
    command: config.get('serverPath') || 'wat-lsp',
    args: config.get('serverArgs') || [],
  };
}

/** The names of the server's settings, from the extension's own manifest. */
function serverSettingNames(manifest) {
  return Object.keys(manifest.contributes.configuration.properties)
    .map((key) => key.slice(SECTION.length + 1))
    .filter((name) => !CLIENT_ONLY.includes(name));
}

/**
 * The server's settings shaped as `workspace/configuration` answers for the section: a dotted
 * name (`format.indentWidth`) is nested (`{format: {indentWidth}}`).
 * @param {string[]} names
 */
function serverSettings(names) {
  const config = vscode.workspace.getConfiguration(SECTION);
  const out = {};
  for (const name of names) {
    const path = name.split('.');
    let at = out;
    for (const part of path.slice(0, -1)) {
      at = at[part] = at[part] || {};
    }
    at[path[path.length - 1]] = config.get(name);
  }
  return out;
}

/**
 * The server's reference-count lenses carry `editor.action.showReferences` with LSP-shaped
 * arguments (uri, position, locations); VS Code's command wants its own types, and the client
 * library passes command arguments on untouched, so they are converted here.
 */
async function resolveCodeLens(lens, token, next) {
  const resolved = await next(lens, token);
  const command = resolved && resolved.command;
  if (command && command.command === 'editor.action.showReferences' && client !== undefined) {
    const [uri, position, locations] = command.arguments;
    const convert = client.protocol2CodeConverter;
    command.arguments = [
      convert.asUri(uri),
      convert.asPosition(position),
      locations.map((location) => convert.asLocation(location)),
    ];
  }
  return resolved;
}

/** @param {string[]} names the server's settings */
function clientOptions(names) {
  const languages = ['wat', 'wast'];
  return {
    documentSelector: languages.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    // The same object the server later asks for with `workspace/configuration`.
    initializationOptions: () => serverSettings(names),
    // Sends `workspace/didChangeConfiguration` when a `wat-lsp.*` setting changes.
    synchronize: { configurationSection: SECTION },
    outputChannel: output,
    traceOutputChannel: output,
    middleware: { resolveCodeLens, executeCommand },
  };
}

/** @type {string[]} */
let settingNames = [];

async function start() {
  const options = serverOptions();
  client = new LanguageClient(SECTION, 'wat-lsp', options, clientOptions(settingNames));
  try {
    await client.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    client = undefined;
    const choice = await vscode.window.showErrorMessage(
      `wat-lsp: could not start the server \`${options.command}\`: ${message}. ` +
        'Install it (`pip install .` in the wat-lsp repository) or set `wat-lsp.serverPath`.',
      'Open Settings',
    );
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'wat-lsp.serverPath');
    }
  }
}

async function stop() {
  const running = client;
  client = undefined;
  if (running !== undefined) {
    await running.stop();
  }
}

async function restart() {
  await stop();
  await start();
}

/**
 * The control-flow picture of the function at the cursor, from the server's `wat-lsp.showCfg`
 * command (docs/cfg.md), in a webview. Its own command id: the language client registers
 * `wat-lsp.showCfg` itself, since the server advertises it.
 */
async function showControlFlowGraph() {
  const editor = vscode.window.activeTextEditor;
  if (client === undefined || editor === undefined) {
    return;
  }
  const position = editor.selection.active;
  let answer;
  try {
    answer = await client.sendRequest('workspace/executeCommand', {
      command: 'wat-lsp.showCfg',
      arguments: [editor.document.uri.toString(), { line: position.line, character: position.character }],
    });
  } catch (error) {
    await vscode.window.showErrorMessage(`wat-lsp: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  showPicture(answer);
}

/**
 * The server's "Show control flow" lenses run `wat-lsp.showCfg` itself (through the command
 * the client library registers for it); its answer is shown as the palette command shows it.
 */
async function executeCommand(command, args, next) {
  const answer = await next(command, args);
  if (command === 'wat-lsp.showCfg' && answer && typeof answer.svg === 'string') {
    showPicture(answer);
  }
  return answer;
}

/** @param {{function: string, svg: string}} answer the server's `wat-lsp.showCfg` answer */
function showPicture(answer) {
  const panel = vscode.window.createWebviewPanel(
    'wat-lsp.cfg',
    `CFG ${answer.function}`,
    vscode.ViewColumn.Beside,
    { enableScripts: false },
  );
  // The SVG is the server's own drawing (its text escaped); no script may run in the view.
  panel.webview.html =
    '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" ' +
    `content="default-src 'none'; style-src 'unsafe-inline';"></head>` +
    `<body style="background: white">${answer.svg}</body></html>`;
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  output = vscode.window.createOutputChannel('wat-lsp');
  settingNames = serverSettingNames(context.extension.packageJSON);
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('wat-lsp.restartServer', restart),
    vscode.commands.registerCommand('wat-lsp.showControlFlowGraph', showControlFlowGraph),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (RESTART_SETTINGS.some((name) => event.affectsConfiguration(`${SECTION}.${name}`))) {
        return restart();
      }
      return undefined;
    }),
  );
  await start();
}

function deactivate() {
  return stop();
}

// serverSettings: for tests/editors/test_vscode_settings.py; executeCommand: for
// tests/editors/test_vscode.py.
module.exports = { activate, deactivate, serverSettings, executeCommand };
