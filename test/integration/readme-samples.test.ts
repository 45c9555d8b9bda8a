import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The README's TypeScript samples are what users copy first: each is type-checked against the packages' types, so a
 * sample that no longer compiles (an SDK signature changed, a reply typed `unknown`) fails here, not in a user's editor.
 * Names a sample uses without defining them (`client`, `documentId`, an app's own `app` or `Editor`) are declared below
 * as globals; a sample that defines one shadows it.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

const GLOBALS = `
declare const client: import('@syncline/client').SynclineClient;
declare const documentId: string;
declare const jobId: string;
declare const token: string;
declare function app(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void;
declare function getToken(): Promise<string>;
declare function render(...values: unknown[]): void;
declare function done(...values: unknown[]): void;
declare function cancelled(): void;
declare function failed(error: unknown): void;
declare const WebSocketProvider: typeof import('@syncline/react').WebSocketProvider;
declare const ConnectionStatus: typeof import('@syncline/react').ConnectionStatus;
declare const NotificationContainer: typeof import('@syncline/react').NotificationContainer;
declare function Editor(props: { documentId: string }): null;
`;

// Under node_modules: ignored by git and biome, and the packages resolve from there as from any file of the repo.
mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
const dir = mkdtempSync(join(root, 'node_modules', '.cache', 'readme-samples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README', () => {
  const samples = [...readme.matchAll(/```(ts|tsx)\n([\s\S]*?)```/g)].map((m) => ({
    ext: m[1],
    code: m[2],
    line: readme.slice(0, m.index).split('\n').length + 1,
  }));

  it('has TypeScript samples', () => {
    expect(samples.length).toBeGreaterThanOrEqual(4);
  });

  it('has TypeScript samples that compile against the packages', () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    writeFileSync(join(dir, 'globals.d.ts'), GLOBALS);
    const files = [join(dir, 'globals.d.ts')];
    for (const s of samples) {
      const file = join(dir, `line-${s.line}.${s.ext}`);
      writeFileSync(file, `${s.code}\nexport {};\n`);
      files.push(file);
    }
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
      jsx: ts.JsxEmit.ReactJSX,
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (!d.file || d.start === undefined) return text;
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      const sample = /line-(\d+)\./.exec(d.file.fileName);
      const where = sample ? `README.md:${Number(sample[1]) + line}` : d.file.fileName;
      return `${where}: ${text}`;
    });
    expect(problems).toEqual([]);
  });
});
