// Every relative link in the README, docs/*.md and the packages' READMEs points at a file that exists, and every
// #anchor at a heading of its page (GitHub's anchors); the README lists every docs page, and each page links back.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const DOCS = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => `docs/${name}`);
const PACKAGE_READMES = readdirSync(join(root, 'packages'))
  .map((name) => `packages/${name}/README.md`)
  .filter((path) => existsSync(join(root, path)));
const PAGES = ['README.md', ...DOCS, ...PACKAGE_READMES, 'bench/README.md'];

/** The page's lines outside fenced code blocks. */
function prose(text: string): string[] {
  let fence: string | undefined;
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence === undefined) lines.push(line);
  }
  return lines;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(path: string): Set<string> {
  let anchors = anchorCache.get(path);
  if (anchors) return anchors;
  anchors = new Set();
  const seen = new Map<string, number>();
  const text = readFileSync(path, 'utf8');
  for (const line of prose(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const base = slug(heading);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const match of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]!);
  }
  anchorCache.set(path, anchors);
  return anchors;
}

/** The link targets of a page: inline links and images, and reference definitions; code spans skipped. */
function targetsOf(text: string): string[] {
  const targets: string[] = [];
  for (const line of prose(text)) {
    const bare = line.replace(/(`+)[\s\S]*?\1/g, '');
    for (const match of bare.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(match[1]!);
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(bare);
    if (definition) targets.push(definition[1]!);
  }
  return targets;
}

/** Why a target does not resolve from `page`, or undefined when it does. */
function problemOf(page: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto: ...
  const hash = target.indexOf('#');
  const pathPart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const file = pathPart === '' ? join(root, page) : normalize(join(root, pathPart.startsWith('/') ? '' : dirname(page), pathPart));
  if (relative(root, file).startsWith('..')) return 'points outside the repository';
  if (!existsSync(file)) return 'no such file';
  if (anchor === undefined) return undefined;
  if (!file.endsWith('.md')) return 'an anchor into a file that is not markdown';
  return anchorsOf(file).has(anchor) ? undefined : `no heading with the anchor #${anchor} in ${relative(root, file)}`;
}

describe.each(PAGES)('%s', (page) => {
  it('every relative link resolves to an existing file and anchor', () => {
    const text = readFileSync(join(root, page), 'utf8');
    const broken = targetsOf(text)
      .map((target) => [target, problemOf(page, target)] as const)
      .filter(([, problem]) => problem !== undefined)
      .map(([target, problem]) => `${target}: ${problem}`);
    expect(broken).toEqual([]);
  });
});

describe('the docs pages', () => {
  it('exist and are all listed in the README', () => {
    expect(DOCS.length).toBeGreaterThanOrEqual(10);
    const listed = new Set(targetsOf(readFileSync(join(root, 'README.md'), 'utf8')).map((target) => target.split('#')[0]));
    expect(DOCS.filter((page) => !listed.has(page))).toEqual([]);
  });

  it.each(DOCS)('%s opens with a title, a one-line summary and a link back to the README', (page) => {
    const [title, blank, summary] = readFileSync(join(root, page), 'utf8').split('\n');
    expect(title).toMatch(/^# \S/);
    expect(blank).toBe('');
    expect(summary).toMatch(/\]\(\.\.\/README\.md(#[\w-]+)?\)/);
  });
});

describe('the anchor rules this test relies on', () => {
  it("match GitHub's: code, punctuation and case", () => {
    expect(slug('Command line: `tollgate`')).toBe('command-line-tollgate');
    expect(slug('Errors (RFC 6750)')).toBe('errors-rfc-6750');
    expect(slug('What node:crypto, jose and tollgate each do')).toBe('what-nodecrypto-jose-and-tollgate-each-do');
    expect(slug('`requireScope` on its own, and `configure()`')).toBe('requirescope-on-its-own-and-configure');
  });

  it('find a broken link and a broken anchor', () => {
    expect(problemOf('README.md', 'docs/no-such-page.md')).toBe('no such file');
    expect(problemOf('README.md', 'docs/options.md#no-such-heading')).toMatch(/no heading/);
    expect(problemOf('docs/options.md', '../README.md#documentation')).toBeUndefined();
    expect(problemOf('docs/options.md', 'https://example.com/#anything')).toBeUndefined();
  });
});
