// The documentation's links: every relative link and `#anchor` in README.md, docs/*.md and the other
// READMEs of the repository leads to a file that exists and, for an anchor, to a heading of that file,
// named as GitHub names headings. Every page of docs/ is linked from README.md, so a newcomer reaches
// it. The READMEs that ship inside the npm packages (client/, sandbox/) link to nothing outside their
// package, where the repository's files are not.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const DOCS = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => `docs/${name}`);
/** The READMEs of the two npm packages: they are read on npm too, without the rest of the repository. */
const PACKAGE_READMES = ['client/README.md', 'sandbox/README.md'];
const CHECKED = ['README.md', ...DOCS, ...PACKAGE_READMES, 'bench/README.md', 'openapi/released/README.md'];

/**
 * The anchor GitHub gives a heading: its text as shown (code spans and links reduced to their text),
 * lower case, with every character that is not a letter, a digit, a space, `-` or `_` removed, and
 * each space made a `-` (as github-slugger does; repeated headings get `-1`, `-2`, ... after that).
 */
function githubSlug(heading: string): string {
  return shownText(heading)
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replaceAll(' ', '-');
}

/** Inline markdown as GitHub shows it: code spans by their content, links and images by their text, no emphasis. */
function shownText(markdown: string): string {
  return markdown
    .replace(/(`+)([\s\S]*?)\1/g, (_, _ticks, code: string) => code)
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|\W)[*_](.+?)[*_](?=\W|$)/g, '$1$2');
}

/** The lines of `markdown` that are not inside a fenced code block. */
function proseLines(markdown: string): string[] {
  let fence: string | undefined;
  const lines: string[] = [];
  for (const line of markdown.split(/\r?\n/)) {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence === undefined) lines.push(line);
  }
  return lines;
}

/** The anchors of a markdown file's headings, as GitHub makes them. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** The targets of a markdown file's links and images, outside code (`[text](target)`, `[label]: target`). */
function linksOf(markdown: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(markdown)) {
    const prose = line.replace(/(`+)[\s\S]*?\1/g, '');
    for (const match of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(match[1]!);
    const definition = /^\s{0,3}\[[^\]]+\]:\s+<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(prose);
    if (definition) targets.push(definition[1]!);
  }
  return targets;
}

/** What is wrong with one link of `file` (a path relative to the repository), or undefined when it leads somewhere. */
function brokenLink(file: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto:: not checked here
  const [path = '', anchor] = target.split('#', 2);
  const destination = path === '' ? join(root, file) : resolve(dirname(join(root, file)), decodeURI(path));
  const shown = relative(root, destination).split(sep).join('/');
  if (!existsSync(destination)) return `${file}: ${target}: ${shown} does not exist`;
  if (anchor === undefined) return undefined;
  if (!statSync(destination).isFile() || !destination.endsWith('.md'))
    return `${file}: ${target}: an anchor into ${shown}, which is no markdown file`;
  const anchors = anchorsOf(readFileSync(destination, 'utf8'));
  return anchors.has(decodeURIComponent(anchor))
    ? undefined
    : `${file}: ${target}: ${shown} has no heading #${anchor} (it has ${[...anchors].map((a) => `#${a}`).join(', ')})`;
}

describe('the documentation links (README.md, docs/)', () => {
  it('names headings as GitHub does', () => {
    assert.equal(githubSlug('What `npm start` serves'), 'what-npm-start-serves');
    assert.equal(githubSlug('Your first purchase, in five minutes'), 'your-first-purchase-in-five-minutes');
    assert.equal(githubSlug('The try-it console, `/try`'), 'the-try-it-console-try');
    assert.equal(githubSlug("Where a GET's CPU goes"), 'where-a-gets-cpu-goes');
    assert.equal(githubSlug('Speed: `npm run bench`'), 'speed-npm-run-bench');
    assert.equal(githubSlug('`SANDBOX_PROFILE=integration`'), 'sandbox_profileintegration');
    assert.equal(githubSlug('In-process, for tests'), 'in-process-for-tests');
    assert.equal(githubSlug('The [client](client.md) -- **in detail**'), 'the-client----in-detail');
    assert.deepEqual(
      [...anchorsOf('# Tests\n\n```sh\n# not a heading\n```\n\n## Tests\n### Tests')],
      ['tests', 'tests-1', 'tests-2'],
    );
  });

  it('finds the links of a page, and not what code blocks and code spans show', () => {
    const page = '[a](a.md) `[b](b.md)` ![c](c.png)\n\n```md\n[d](d.md)\n```\n\n[e]: e.md\n[f](f.md "title")';
    assert.deepEqual(linksOf(page), ['a.md', 'c.png', 'e.md', 'f.md']);
    assert.equal(
      brokenLink('README.md', 'docs/no-such-page.md'),
      'README.md: docs/no-such-page.md: docs/no-such-page.md does not exist',
    );
    assert.match(
      brokenLink('README.md', '#no-such-heading') ?? '',
      /^README\.md: #no-such-heading: README\.md has no heading #no-such-heading/,
    );
  });

  it('leads every relative link and anchor to a file that exists and a heading it has', () => {
    assert.ok(DOCS.length > 0, 'docs/ has pages');
    const broken = CHECKED.flatMap((file) =>
      linksOf(readFileSync(join(root, file), 'utf8')).flatMap((target) => brokenLink(file, target) ?? []),
    );
    assert.deepEqual(broken, []);
  });

  it('links every page of docs/ from README.md', () => {
    const linked = new Set(
      linksOf(readFileSync(join(root, 'README.md'), 'utf8'))
        .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
        .map((target) => resolve(root, decodeURI(target.split('#')[0]!))),
    );
    assert.deepEqual(
      DOCS.filter((page) => !linked.has(join(root, page))),
      [],
      'pages of docs/ that README.md does not link to',
    );
  });

  it("keeps the links of the packages' READMEs inside their package, which is all npm ships", () => {
    const outside = PACKAGE_READMES.flatMap((file) =>
      linksOf(readFileSync(join(root, file), 'utf8'))
        .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'))
        .filter((target) =>
          relative(dirname(join(root, file)), resolve(dirname(join(root, file)), target.split('#')[0]!)).startsWith(
            '..',
          ),
        )
        .map((target) => `${file}: ${target}`),
    );
    assert.deepEqual(outside, []);
  });
});
