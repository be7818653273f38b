import { buildProgram } from './main';
import { renderCommandTree } from './tree';

const FENCE_START = '```text\ncarbonreducer\n';

/** The README's command tree block, as the tree is now. */
export const commandTreeBlock = (): string =>
  `${FENCE_START}${renderCommandTree(buildProgram(() => undefined))}\n\`\`\``;

/** The README with its "Command line" tree block replaced by the current one. */
export function withCommandTree(readme: string): string {
  const start = readme.indexOf(FENCE_START);
  const end = start < 0 ? -1 : readme.indexOf('```', start + FENCE_START.length);
  if (start < 0 || end < 0) throw new Error('README.md has no ```text block starting with "carbonreducer"');
  return `${readme.slice(0, start)}${commandTreeBlock()}${readme.slice(end + 3)}`;
}
