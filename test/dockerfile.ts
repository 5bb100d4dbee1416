/** The Dockerfile read as instructions (continuations joined, comments dropped), split into its stages. */
import { readFileSync } from 'node:fs';

export interface Instruction {
  keyword: string;
  args: string;
}

export function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\n\s*/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** The repository's Dockerfile, stage by stage (each starting with its FROM). */
export function dockerfileStages(path = new URL('../Dockerfile', import.meta.url)): Instruction[][] {
  const stages: Instruction[][] = [];
  for (const instruction of parseDockerfile(readFileSync(path, 'utf8'))) {
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}
